import Foundation

/// A block of Float32 elements owned by one backend. Freed (or pooled) when the last reference goes.
public protocol Storage: AnyObject {
    /// Capacity in elements.
    var count: Int { get }
}

/// Host memory, 64-byte aligned, for the CPU backend.
public final class CPUStorage: Storage {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    public init(count: Int) {
        self.count = count
        var raw: UnsafeMutableRawPointer?
        posix_memalign(&raw, 64, max(count, 1) * MemoryLayout<Float>.stride)
        self.pointer = raw!.bindMemory(to: Float.self, capacity: max(count, 1))
        CPUMemoryStats.shared.allocated(bytes: count * 4)
    }

    deinit {
        free(pointer)
        CPUMemoryStats.shared.freed(bytes: count * 4)
    }
}

/// Current and peak bytes held by tensors of one backend.
public struct MemoryUsage: Sendable, Equatable {
    public var currentBytes: Int
    public var peakBytes: Int
}

/// Counts the CPU backend's live tensor memory.
final class CPUMemoryStats: @unchecked Sendable {
    static let shared = CPUMemoryStats()
    private let lock = NSLock()
    private var usage = MemoryUsage(currentBytes: 0, peakBytes: 0)

    func allocated(bytes: Int) {
        lock.lock(); defer { lock.unlock() }
        usage.currentBytes += bytes
        usage.peakBytes = max(usage.peakBytes, usage.currentBytes)
    }

    func freed(bytes: Int) {
        lock.lock(); defer { lock.unlock() }
        usage.currentBytes -= bytes
    }

    var current: MemoryUsage { lock.lock(); defer { lock.unlock() }; return usage }
    func resetPeak() { lock.lock(); usage.peakBytes = usage.currentBytes; lock.unlock() }
}
