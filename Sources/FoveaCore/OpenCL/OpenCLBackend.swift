import COpenCL
import Foundation

/// Runs ops on an OpenCL device: hand-written kernels from `Kernels/*.cl`, CLBlast for GEMM.
public final class OpenCLBackend: MemoryBackend {
    public let device: Device
    /// The device's context and queue.
    public let context: OpenCLContext
    /// Out-of-range gather indices, reported at the next host read.
    let indexCheck = DeviceIndexCheck()
    /// The channel tiles of the conv_rows.cl programs built so far.
    let rowsTiles = RowsTilePrograms()

    private static let lock = NSLock()
    nonisolated(unsafe) private static var backends: [Int: OpenCLBackend] = [:]

    /// The backend of `Device.opencl(index)`, created on first use.
    public static func backend(forDevice index: Int) throws -> OpenCLBackend {
        lock.lock(); defer { lock.unlock() }
        if let existing = backends[index] { return existing }
        let backend = OpenCLBackend(device: .opencl(index), context: try OpenCLRuntime.context(forDevice: index))
        backend.context.compileTogether(backend.stepPrograms)
        backends[index] = backend
        return backend
    }

    private init(device: Device, context: OpenCLContext) {
        self.device = device
        self.context = context
    }

    /// The OpenCL buffer of a storage. Passing another backend's storage is a programming error.
    @inline(__always)
    static func buffer(_ storage: Storage) -> CLStorage { storage as! CLStorage }

    /// Enqueues a kernel; a shorthand used by every op family.
    func run(
        _ kernel: String, in program: String, options: String = "", global: [Int], local: [Int]? = nil,
        _ arguments: KernelArgument...
    ) throws {
        try context.launch(kernel, program: program, options: options, global: global, local: local, arguments: arguments)
    }

    /// Enqueues a kernel that takes `chunk` as its last argument (Kernels/chunk.cl) over `count` elements,
    /// `elementsPerItem` per work item.
    func runChunked(
        _ kernel: String, in program: String, options: String = "", count: Int, _ arguments: KernelArgument...
    ) throws {
        try runChunked(kernel, in: program, options: options, count: count, arguments: arguments)
    }

    /// `runChunked` with the arguments (before the chunk) as an array.
    func runChunked(_ kernel: String, in program: String, options: String, count: Int, arguments: [KernelArgument]) throws {
        let chunk = elementsPerItem
        try context.launch(
            kernel, program: program, options: options, global: [items(count, chunk)], arguments: arguments + [.int(chunk)])
    }

    /// Consecutive elements per work item for kernels that take a `chunk` (Kernels/chunk.cl): 1 on GPUs (neighbouring
    /// items touch neighbouring addresses), 1024 on CPUs (PoCL runs each item's loop as SIMD; one element per item is
    /// ~25x slower, and grids of 65535 items or more compile a second, generic variant of the kernel).
    var elementsPerItem: Int { context.info.isGPU ? 1 : 1024 }

    /// Work items covering `count` elements in chunks of `chunk`.
    func items(_ count: Int, _ chunk: Int) -> Int { (count + chunk - 1) / chunk }

    public func allocate(_ count: Int, dtype: DType) throws -> Storage { try context.pool.allocate(count: count, dtype: dtype) }

    public func upload(bytes: UnsafeRawBufferPointer, into storage: Storage, offset: Int) throws {
        try context.write(bytes, to: Self.buffer(storage), offset: offset)
    }

    public func download(_ storage: Storage, offset: Int, count: Int, into destination: UnsafeMutableRawBufferPointer) throws {
        try context.read(Self.buffer(storage), offset: offset, count: count, into: destination)
        try checkGatheredIndices()
    }

    /// Throws when a gather since the last host read met an out-of-range index (`DeviceIndexCheck`).
    /// Called right after a read or finish has drained the queue, so the flag's read waits for no device work and is
    /// not counted as a host sync.
    private func checkGatheredIndices() throws {
        try indexCheck.check(on: self) { flag, bytes in
            try context.read(Self.buffer(flag), offset: 0, count: 3, into: bytes, waitsForDevice: false)
        }
    }

    public func fill(_ storage: Storage, offset: Int, count: Int, value: Float) throws {
        try context.fill(Self.buffer(storage), offset: offset, count: count, value: value)
    }

    public func copy(
        from source: Storage, offset sourceOffset: Int, to destination: Storage, offset destinationOffset: Int, count: Int
    ) throws {
        try context.copy(
            Self.buffer(source), offset: sourceOffset, to: Self.buffer(destination), offset: destinationOffset, count: count)
    }

    public func axpy(alpha: Float, x: Storage, y: Storage, count: Int) throws {
        try runChunked("axpy", in: "memory", count: count, .float(alpha), .buffer(x), .buffer(y), .int(count))
    }

    public func synchronize() throws {
        try context.finish()
        try checkGatheredIndices()
    }

    public func flush() throws { try context.flush() }

    public var memoryUsage: MemoryUsage { context.pool.memoryUsage }
}
