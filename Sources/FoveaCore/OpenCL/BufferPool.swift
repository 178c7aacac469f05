import COpenCL
import Foundation

/// A device buffer of elements of one dtype. Returns to its pool when the last reference goes.
public final class CLStorage: Storage {
    public let count: Int
    public let dtype: DType
    public var version = 0
    let buffer: cl_mem
    let byteSize: Int
    private let pool: BufferPool

    init(count: Int, dtype: DType, buffer: cl_mem, byteSize: Int, pool: BufferPool) {
        self.count = count
        self.dtype = dtype
        self.buffer = buffer
        self.byteSize = byteSize
        self.pool = pool
    }

    deinit { pool.recycle(buffer, byteSize: byteSize, logicalBytes: byteCount) }
}

/// Reuses device buffers by size class; frees the idle ones when the device runs out of memory.
///
/// Reuse is safe without waiting: the queue is in order, so a kernel that writes a recycled
/// buffer runs after every kernel that read it.
final class BufferPool: @unchecked Sendable {
    private let context: cl_context
    private let lock = NSLock()
    private var idle: [Int: [cl_mem]] = [:]
    private var usage = MemoryUsage(currentBytes: 0, peakBytes: 0)
    private var idleBytes = 0

    init(context: cl_context) { self.context = context }

    deinit {
        for buffers in idle.values { for buffer in buffers { clReleaseMemObject(buffer) } }
    }

    /// Size classes: powers of two up to 1 MiB, then multiples of 1 MiB.
    static func sizeClass(forBytes bytes: Int) -> Int {
        let minimum = max(bytes, 256)
        if minimum <= 1 << 20 { return 1 << (Int.bitWidth - (minimum - 1).leadingZeroBitCount) }
        return (minimum + (1 << 20) - 1) & ~((1 << 20) - 1)
    }

    func allocate(count: Int, dtype: DType) throws -> CLStorage {
        let logicalBytes = count * dtype.byteSize
        let bytes = Self.sizeClass(forBytes: logicalBytes)
        AllocationCounter.record()
        lock.lock()
        defer { lock.unlock() }
        usage.currentBytes += logicalBytes
        usage.peakBytes = max(usage.peakBytes, usage.currentBytes)
        if var list = idle[bytes], let buffer = list.popLast() {
            idle[bytes] = list
            idleBytes -= bytes
            return CLStorage(count: count, dtype: dtype, buffer: buffer, byteSize: bytes, pool: self)
        }
        var status: cl_int = 0
        var buffer = clCreateBuffer(context, cl_mem_flags(CL_MEM_READ_WRITE), bytes, nil, &status)
        if buffer == nil
            && (status == CL_MEM_OBJECT_ALLOCATION_FAILURE || status == CL_OUT_OF_RESOURCES || status == CL_OUT_OF_HOST_MEMORY)
        {
            releaseIdle()
            buffer = clCreateBuffer(context, cl_mem_flags(CL_MEM_READ_WRITE), bytes, nil, &status)
        }
        guard let buffer else {
            usage.currentBytes -= logicalBytes
            throw FoveaError.openCL(call: "clCreateBuffer(\(bytes) bytes)", code: status, kernel: nil)
        }
        return CLStorage(count: count, dtype: dtype, buffer: buffer, byteSize: bytes, pool: self)
    }

    func recycle(_ buffer: cl_mem, byteSize: Int, logicalBytes: Int) {
        lock.lock(); defer { lock.unlock() }
        usage.currentBytes -= logicalBytes
        idle[byteSize, default: []].append(buffer)
        idleBytes += byteSize
    }

    /// Frees every idle buffer, taking the pool's lock (a launch that ran out of device memory retries after it).
    func releaseIdleBuffers() {
        lock.lock(); defer { lock.unlock() }
        releaseIdle()
    }

    /// Frees every idle buffer (under memory pressure, or on request); the caller holds the lock.
    func releaseIdle() {
        for buffers in idle.values { for buffer in buffers { clReleaseMemObject(buffer) } }
        idle.removeAll()
        idleBytes = 0
    }

    var memoryUsage: MemoryUsage { lock.lock(); defer { lock.unlock() }; return usage }
    /// Bytes kept for reuse but held by no tensor.
    var cachedBytes: Int { lock.lock(); defer { lock.unlock() }; return idleBytes }
}
