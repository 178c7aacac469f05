import Foundation

/// Out-of-range gather indices found on the device and reported at the next host read, as CUDA's device-side asserts
/// are: a gather kernel records the first bad index it meets (its position, value and the axis size) in a three-int
/// flag buffer, and the backend reads that buffer back at its next download or synchronize, but only while a gather
/// has run since the last look, so programs without gathers pay nothing and a step keeps its zero host syncs.
final class DeviceIndexCheck: @unchecked Sendable {
    private let lock = NSLock()
    private var flag: Storage?
    private var pending = false
    private static let clear: [Int32] = [-1, 0, 0]

    /// The flag buffer for one more gather launch (created and cleared on first use).
    func flagForLaunch(on backend: OpenCLBackend) throws -> Storage {
        lock.lock(); defer { lock.unlock() }
        pending = true
        if let flag { return flag }
        let created = try backend.allocate(3, dtype: .int32)
        try Self.clear.withUnsafeBufferPointer { try backend.upload($0, into: created, offset: 0) }
        flag = created
        return created
    }

    /// Throws (and clears the flag) when a gather since the last look met an index outside its axis.
    func check(on backend: OpenCLBackend, read: (Storage, UnsafeMutableRawBufferPointer) throws -> Void) throws {
        lock.lock(); defer { lock.unlock() }
        guard pending, let flag else { return }
        pending = false
        var found: [Int32] = [0, 0, 0]
        try found.withUnsafeMutableBytes { try read(flag, $0) }
        guard found[0] >= 0 else { return }
        try Self.clear.withUnsafeBufferPointer { try backend.upload($0, into: flag, offset: 0) }
        throw FoveaError.invalidArgument(
            "gather: index \(found[1]) at position \(found[0]) is out of range for axis 0 of size \(found[2]) "
                + "(found on \(backend.device) at this host read; that gather's rows were zeros)")
    }
}
