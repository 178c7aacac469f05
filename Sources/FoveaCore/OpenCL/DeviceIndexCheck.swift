import Foundation

/// Out-of-range gather indices found on the device and reported at the next host read, as CUDA's device-side asserts
/// are: a gather kernel records the first bad index it meets (its position, value and the axis size) in a three-int
/// flag buffer, and the backend reads that buffer back at its next download or synchronize, but only while a gather
/// has run since the last look, so programs without gathers pay nothing and a step keeps its zero host syncs.
/// Each thread has its own flag: the error reaches the thread whose gather met the index, not another user of the
/// device.
final class DeviceIndexCheck: @unchecked Sendable {
    /// One thread's flag buffer and whether a gather has written to it since the last look.
    private final class ThreadFlag {
        let storage: Storage
        var pending = false
        init(_ storage: Storage) { self.storage = storage }
    }

    private let key = "fovea.indexCheck.\(UUID().uuidString)"
    private static let clear: [Int32] = [-1, 0, 0]

    /// This thread's flag buffer for one more gather launch (created and cleared on first use).
    func flagForLaunch(on backend: OpenCLBackend) throws -> Storage {
        if let flag = Thread.current.threadDictionary[key] as? ThreadFlag {
            flag.pending = true
            return flag.storage
        }
        let created = ThreadFlag(try backend.allocate(3, dtype: .int32))
        try Self.clear.withUnsafeBufferPointer { try backend.upload($0, into: created.storage, offset: 0) }
        created.pending = true
        Thread.current.threadDictionary[key] = created
        return created.storage
    }

    /// Throws (and clears the flag) when a gather of this thread since its last look met an index outside its axis.
    func check(on backend: OpenCLBackend, read: (Storage, UnsafeMutableRawBufferPointer) throws -> Void) throws {
        guard let flag = Thread.current.threadDictionary[key] as? ThreadFlag, flag.pending else { return }
        flag.pending = false
        var found: [Int32] = [0, 0, 0]
        try found.withUnsafeMutableBytes { try read(flag.storage, $0) }
        guard found[0] >= 0 else { return }
        try Self.clear.withUnsafeBufferPointer { try backend.upload($0, into: flag.storage, offset: 0) }
        throw FoveaError.invalidArgument(
            "gather: index \(found[1]) at position \(found[0]) is out of range for axis 0 of size \(found[2]) "
                + "(found on \(backend.device) at this host read; that gather's rows were zeros)")
    }
}
