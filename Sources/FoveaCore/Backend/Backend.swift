/// Everything a device must provide. Each family is a small protocol of its own, in its own file.
public typealias Backend = MemoryBackend & LinearAlgebraBackend & LayoutBackend
    & ElementwiseBackend & ReductionBackend & ConvolutionBackend & PoolingBackend
    & NormalizationBackend & RandomBackend & LossBackend & OptimizerBackend & RecurrentBackend

/// The backend that runs ops for `device`.
public func backend(for device: Device) throws -> any Backend {
    switch device {
    case .cpu: return CPUBackend.shared
    case .opencl(let index): return try OpenCLBackend.backend(forDevice: index)
    }
}

/// Allocation, transfers and whole-buffer operations. Offsets and counts are in elements of the storage's dtype.
public protocol MemoryBackend: AnyObject {
    var device: Device { get }
    /// New uninitialized storage of `count` elements of `dtype`.
    func allocate(_ count: Int, dtype: DType) throws -> Storage
    /// Copies host bytes (whole elements of the storage's dtype) into `storage` starting at element `offset`.
    func upload(bytes: UnsafeRawBufferPointer, into storage: Storage, offset: Int) throws
    /// Reads `count` elements from `offset` into `destination`. On OpenCL this waits for the queue (a host sync).
    func download(_ storage: Storage, offset: Int, count: Int, into destination: UnsafeMutableRawBufferPointer) throws
    /// Sets `count` Float32 elements from `offset` to `value`.
    func fill(_ storage: Storage, offset: Int, count: Int, value: Float) throws
    /// Copies `count` elements between storages of one dtype (which may be the same storage).
    func copy(from source: Storage, offset sourceOffset: Int, to destination: Storage, offset destinationOffset: Int, count: Int)
        throws
    /// y += alpha * x over `count` Float32 elements.
    func axpy(alpha: Float, x: Storage, y: Storage, count: Int) throws
    /// Waits until all queued work is done.
    func synchronize() throws
    /// Hands queued work to the device without waiting (OpenCL's clFlush; nothing on the CPU). Drivers that batch
    /// commands (NVIDIA's) may otherwise hold a whole training step back until the next host read.
    func flush() throws
    /// Bytes held by live tensors now and at the peak.
    var memoryUsage: MemoryUsage { get }
}

extension MemoryBackend {
    /// New uninitialized Float32 storage of `count` elements.
    public func allocate(_ count: Int) throws -> Storage { try allocate(count, dtype: .float32) }

    /// Copies host Float32 values into `storage` starting at element `offset`.
    public func upload(_ values: UnsafeBufferPointer<Float>, into storage: Storage, offset: Int) throws {
        try upload(bytes: UnsafeRawBufferPointer(values), into: storage, offset: offset)
    }

    /// Copies host Int32 values into `storage` starting at element `offset`.
    public func upload(_ values: UnsafeBufferPointer<Int32>, into storage: Storage, offset: Int) throws {
        try upload(bytes: UnsafeRawBufferPointer(values), into: storage, offset: offset)
    }

    /// Reads `count` Float32 elements from `offset` back to the host (a host sync on OpenCL).
    public func download(_ storage: Storage, offset: Int, count: Int) throws -> [Float] {
        var values = [Float](repeating: 0, count: count)
        try values.withUnsafeMutableBytes { try download(storage, offset: offset, count: count, into: $0) }
        return values
    }

    /// Reads `count` Int32 elements from `offset` back to the host (a host sync on OpenCL).
    public func downloadInt32(_ storage: Storage, offset: Int, count: Int) throws -> [Int32] {
        var values = [Int32](repeating: 0, count: count)
        try values.withUnsafeMutableBytes { try download(storage, offset: offset, count: count, into: $0) }
        return values
    }
}

/// One (or a strided batch of) column-major-agnostic row-major GEMMs: C = alpha * op(A) * op(B) + beta * C.
public struct GemmDescriptor: Sendable, Equatable {
    public var transposeA = false, transposeB = false
    public var m: Int, n: Int, k: Int
    public var alpha: Float = 1, beta: Float = 0
    /// Leading dimensions (row-major): the row length of A, B, C as stored.
    public var lda: Int, ldb: Int, ldc: Int
    public var offsetA = 0, offsetB = 0, offsetC = 0
    /// Element distance between consecutive matrices of a batch (0 repeats one matrix).
    public var strideA = 0, strideB = 0, strideC = 0
    public var batch = 1

    /// A plain row-major GEMM with tight leading dimensions.
    public init(m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false, alpha: Float = 1, beta: Float = 0) {
        self.m = m; self.n = n; self.k = k
        self.transposeA = transposeA; self.transposeB = transposeB
        self.alpha = alpha; self.beta = beta
        self.lda = transposeA ? m : k
        self.ldb = transposeB ? k : n
        self.ldc = n
    }
}

/// Matrix multiplication (OpenBLAS on the CPU, CLBlast on OpenCL).
public protocol LinearAlgebraBackend: AnyObject {
    func gemm(_ descriptor: GemmDescriptor, a: Storage, b: Storage, c: Storage) throws
    /// C = activation(op(A) op(B) + `rowBias` [n] on every row) (beta 0, one matrix): the fully connected layer's
    /// forward, and the recurrent layers' input projection. Without a bias or an activation it is the plain `gemm`.
    func gemm(
        _ descriptor: GemmDescriptor, a: Storage, b: Storage, c: Storage, rowBias: Storage?, activation: ConvolutionActivation
    ) throws
}

/// Data movement that changes layout.
public protocol LayoutBackend: AnyObject {
    /// Copies `rows` rows of `columns` elements between row-strided views (used by concat and slicing along any axis).
    func copyRows(
        from source: Storage, offset sourceOffset: Int, stride sourceStride: Int,
        to destination: Storage, offset destinationOffset: Int, stride destinationStride: Int,
        rows: Int, columns: Int) throws
    /// out[i, :] = x[indices[i], :] for `count` Int32 indices into `rows` rows of `columns` elements (any 4-byte dtype).
    /// An index outside 0..<rows gives a row of zeros; OpenCL reports it at its next host read, the CPU callers validate
    /// before.
    func gatherRows(_ x: Storage, indices: Storage, rows: Int, columns: Int, count: Int, into out: Storage) throws
    /// out[indices[i], :] += source[i, :] over Float32 rows, in index order (deterministic); the backward of `gatherRows`.
    func scatterAddRows(_ source: Storage, indices: Storage, rows: Int, columns: Int, count: Int, into out: Storage) throws
}
