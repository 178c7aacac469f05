import CBLAS
import CWorkers
import Foundation

/// Runs every op on the host: OpenBLAS for GEMM, Swift loops (split across cores) for the rest.
///
/// OpenBLAS runs single-threaded: its own threads would spin against ours for the same cores, so GEMMs are split
/// across cores here instead (`gemm`), like every other loop, except the largest (`OpenBLASThreads`).
public final class CPUBackend: MemoryBackend {
    public static let shared = CPUBackend()
    public let device = Device.cpu

    private init() {}

    /// How each convolution pass's algorithm is picked: `FOVEA_CONV_SELECTION` (`rule` or `measured`), else `.rule`.
    /// Set it before the first convolution; `.measured` times the candidates at each new pass and geometry.
    public var convolutionSelection: ConvolutionAlgorithmSelection {
        get { selectionLock.withLock { selection } }
        set { selectionLock.withLock { selection = newValue } }
    }
    private let selectionLock = NSLock()
    private var selection = ConvolutionAlgorithmSelection.from()
    let convolutionTimer = ConvolutionAlgorithmTimer()

    /// The algorithms `.measured` has chosen so far, per geometry and pass.
    public var measuredConvolutionChoices:
        [(geometry: ConvolutionGeometry, pass: ConvolutionPass, algorithm: CPUConvolutionAlgorithm)]
    { convolutionTimer.measured }

    /// The host pointer of a CPU storage. Passing another backend's storage is a programming error.
    @inline(__always)
    static func pointer(_ storage: Storage) -> UnsafeMutablePointer<Float> {
        (storage as! CPUStorage).pointer
    }

    /// The host pointer of a CPU storage as 32-bit words, for data movement of any 4-byte dtype.
    @inline(__always)
    static func words(_ storage: Storage) -> UnsafeMutablePointer<UInt32> {
        (storage as! CPUStorage).raw.assumingMemoryBound(to: UInt32.self)
    }

    /// The host pointer of a CPU storage as Int32.
    @inline(__always)
    static func int32Pointer(_ storage: Storage) -> UnsafeMutablePointer<Int32> {
        (storage as! CPUStorage).int32Pointer
    }

    public func allocate(_ count: Int, dtype: DType) throws -> Storage {
        guard let storage = CPUStorage(count: count, dtype: dtype) else {
            throw FoveaError.invalidArgument("cpu: out of host memory allocating \(count) \(dtype) elements")
        }
        return storage
    }

    public func upload(bytes: UnsafeRawBufferPointer, into storage: Storage, offset: Int) throws {
        guard let base = bytes.baseAddress else { return }
        ((storage as! CPUStorage).raw + offset * storage.dtype.byteSize).copyMemory(from: base, byteCount: bytes.count)
    }

    public func download(_ storage: Storage, offset: Int, count: Int, into destination: UnsafeMutableRawBufferPointer) throws {
        let size = storage.dtype.byteSize
        guard let base = destination.baseAddress, count > 0 else { return }
        precondition(destination.count >= count * size, "download: destination smaller than \(count) elements")
        base.copyMemory(from: (storage as! CPUStorage).raw + offset * size, byteCount: count * size)
    }

    public func fill(_ storage: Storage, offset: Int, count: Int, value: Float) throws {
        (Self.pointer(storage) + offset).update(repeating: value, count: count)
    }

    public func copy(
        from source: Storage, offset sourceOffset: Int, to destination: Storage, offset destinationOffset: Int, count: Int
    ) throws {
        let size = source.dtype.byteSize
        ((destination as! CPUStorage).raw + destinationOffset * size)
            .copyMemory(from: (source as! CPUStorage).raw + sourceOffset * size, byteCount: count * size)
    }

    public func axpy(alpha: Float, x: Storage, y: Storage, count: Int) throws {
        OpenBLASThreads.single { cblas_saxpy(Int32(count), alpha, Self.pointer(x), 1, Self.pointer(y), 1) }
    }

    public func synchronize() throws {}

    public func flush() throws {}

    public var memoryUsage: MemoryUsage { CPUBufferPool.shared.memoryUsage }

    /// Cores the parallel loops use.
    static let workers = ProcessInfo.processInfo.activeProcessorCount
}

/// Splits 0..<count into chunks of at least `grain` items and runs them on all cores; small counts run on the calling thread.
@inline(__always)
func parallelFor(_ count: Int, grain: Int = 16_384, _ body: (Range<Int>) -> Void) {
    let workers = CPUBackend.workers
    if count <= grain || workers == 1 {
        if count > 0 { body(0..<count) }
        return
    }
    let chunks = min(workers * 4, (count + grain - 1) / grain)
    let chunkSize = (count + chunks - 1) / chunks
    CPUWorkers.perform(iterations: chunks) { chunk in
        let start = chunk * chunkSize
        let end = min(start + chunkSize, count)
        if start < end { body(start..<end) }
    }
}

/// Splits 0..<count into `parts` contiguous ranges (fixed by `count` and `parts` alone, so results that are combined
/// per part stay deterministic) and runs `body(part, range)` for each on all cores.
@inline(__always)
func parallelParts(_ count: Int, parts: Int, _ body: (Int, Range<Int>) -> Void) {
    let parts = max(1, min(parts, count))
    @inline(__always) func run(_ part: Int) {
        let start = count * part / parts, end = count * (part + 1) / parts
        if start < end { body(part, start..<end) }
    }
    if parts == 1 { run(0); return }
    CPUWorkers.perform(iterations: parts, run)
}

/// The CPU backend's worker threads (`CWorkers`): they spin briefly between loops, where Dispatch's threads sleep and
/// each loop pays their wake-up (10-20 us, hundreds of loops a training step). A loop started while the workers are
/// busy (on another thread, or nested in a loop) runs on Dispatch's threads instead.
enum CPUWorkers {
    static func perform(iterations: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            var loop = body
            let ran = withUnsafeMutablePointer(to: &loop) { pointer in
                fovea_workers_run(
                    Int32(CPUBackend.workers), iterations,
                    { context, iteration in
                        context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(iteration)
                    }, pointer)
            }
            if ran == 0 { DispatchQueue.concurrentPerform(iterations: iterations, execute: body) }
        }
    }
}
