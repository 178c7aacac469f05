import Foundation

/// A block of elements of one dtype owned by one backend. Freed (or pooled) when the last reference goes.
public protocol Storage: AnyObject {
    /// Capacity in elements.
    var count: Int { get }
    /// The type of the elements.
    var dtype: DType { get }
    /// How many times the elements were written in place (optimizer steps, `assign`, `fill`, running statistics).
    /// Autograd compares it with what an op's forward saw, so no backward reads values changed since.
    var version: Int { get set }
}

extension Storage {
    /// Capacity in bytes.
    public var byteCount: Int { count * dtype.byteSize }
}

/// Host memory, 64-byte aligned, for the CPU backend. Its block comes from and returns to `CPUBufferPool.shared`.
public final class CPUStorage: Storage {
    public let count: Int
    public let dtype: DType
    public var version = 0
    /// The block's first byte.
    public let raw: UnsafeMutableRawPointer
    private let byteSize: Int

    /// New uninitialized storage of `count` elements of `dtype`; nil when the host is out of memory.
    init?(count: Int, dtype: DType) {
        let logicalBytes = count * dtype.byteSize
        let byteSize = CPUBufferPool.sizeClass(forBytes: logicalBytes)
        guard let raw = CPUBufferPool.shared.take(byteSize: byteSize, logicalBytes: logicalBytes) else { return nil }
        self.count = count
        self.dtype = dtype
        self.byteSize = byteSize
        self.raw = raw
    }

    /// The elements as Float32 (data movement reads any 4-byte dtype through it).
    public var pointer: UnsafeMutablePointer<Float> { raw.assumingMemoryBound(to: Float.self) }
    /// The elements as Int32.
    public var int32Pointer: UnsafeMutablePointer<Int32> { raw.assumingMemoryBound(to: Int32.self) }

    deinit { CPUBufferPool.shared.recycle(raw, byteSize: byteSize, logicalBytes: byteCount) }
}

/// Current and peak bytes held by tensors of one backend.
public struct MemoryUsage: Sendable, Equatable {
    public var currentBytes: Int
    public var peakBytes: Int
}

/// Counts the storages each thread allocates while a count is under way (a test hook: how many buffers an op makes).
/// Outside a count it costs one uncontended lock per allocation.
public enum AllocationCounter {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var activeCounts = 0
    private static let key = "fovea.allocations"

    /// Runs `body` and returns its result with the number of storages (on any backend) allocated on this thread meanwhile.
    public static func count<T>(_ body: () throws -> T) rethrows -> (result: T, allocations: Int) {
        lock.lock(); activeCounts += 1; lock.unlock()
        defer { lock.lock(); activeCounts -= 1; lock.unlock() }
        let before = current
        let result = try body()
        return (result, current - before)
    }

    private static var current: Int { Thread.current.threadDictionary[key] as? Int ?? 0 }

    /// Called by the pools for every storage they hand out.
    static func record() {
        lock.lock()
        let active = activeCounts > 0
        lock.unlock()
        if active { Thread.current.threadDictionary[key] = current + 1 }
    }
}

/// Reuses host blocks by size class, so a training step's tensors do not go back to malloc (and fresh pages) every time.
///
/// Usage counts the bytes of live storages (their element counts), not the pool's idle blocks.
/// At most `idleLimit` bytes wait idle; past that, returned blocks are freed, and all idle ones are freed when malloc fails.
final class CPUBufferPool: @unchecked Sendable {
    static let shared = CPUBufferPool()
    static let idleLimit = 512 << 20

    private let lock = NSLock()
    private var idle: [Int: [UnsafeMutableRawPointer]] = [:]
    private var idleBytes = 0
    private var usage = MemoryUsage(currentBytes: 0, peakBytes: 0)

    /// Size classes: powers of two up to 64 KiB, then four classes per doubling (at most 25% unused), in whole 4 KiB pages.
    static func sizeClass(forBytes bytes: Int) -> Int {
        let minimum = max(bytes, 64)
        if minimum <= 1 << 16 { return 1 << (Int.bitWidth - (minimum - 1).leadingZeroBitCount) }
        let quarter = 1 << (Int.bitWidth - (minimum - 1).leadingZeroBitCount - 3)
        return (minimum + quarter - 1) / quarter * quarter
    }

    /// A block of `byteSize` bytes (a size class), counting `logicalBytes` as in use.
    func take(byteSize: Int, logicalBytes: Int) -> UnsafeMutableRawPointer? {
        AllocationCounter.record()
        lock.lock()
        usage.currentBytes += logicalBytes
        usage.peakBytes = max(usage.peakBytes, usage.currentBytes)
        if let block = idle[byteSize]?.popLast() {
            idleBytes -= byteSize
            lock.unlock()
            return block
        }
        lock.unlock()
        if let block = Self.allocateAligned(byteSize) { return block }
        releaseIdle()
        if let block = Self.allocateAligned(byteSize) { return block }
        lock.lock(); usage.currentBytes -= logicalBytes; lock.unlock()
        return nil
    }

    func recycle(_ block: UnsafeMutableRawPointer, byteSize: Int, logicalBytes: Int) {
        lock.lock()
        usage.currentBytes -= logicalBytes
        guard idleBytes + byteSize <= Self.idleLimit else { lock.unlock(); free(block); return }
        idle[byteSize, default: []].append(block)
        idleBytes += byteSize
        lock.unlock()
    }

    /// Frees every idle block.
    func releaseIdle() {
        lock.lock()
        let blocks = idle.values.joined()
        for block in blocks { free(block) }
        idle.removeAll()
        idleBytes = 0
        lock.unlock()
    }

    var memoryUsage: MemoryUsage { lock.lock(); defer { lock.unlock() }; return usage }

    private static func allocateAligned(_ bytes: Int) -> UnsafeMutableRawPointer? {
        var raw: UnsafeMutableRawPointer?
        return posix_memalign(&raw, 64, bytes) == 0 ? raw : nil
    }
}
