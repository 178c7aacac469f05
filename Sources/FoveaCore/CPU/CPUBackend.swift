import CBLAS
import Foundation

/// Runs every op on the host: OpenBLAS for GEMM, Swift loops (split across cores) for the rest.
public final class CPUBackend: MemoryBackend {
    public static let shared = CPUBackend()
    public let device = Device.cpu

    private init() {}

    /// The host pointer of a CPU storage. Passing another backend's storage is a programming error.
    @inline(__always)
    static func pointer(_ storage: Storage) -> UnsafeMutablePointer<Float> {
        (storage as! CPUStorage).pointer
    }

    public func allocate(_ count: Int) throws -> Storage { CPUStorage(count: count) }

    public func upload(_ values: UnsafeBufferPointer<Float>, into storage: Storage, offset: Int) throws {
        guard let base = values.baseAddress else { return }
        (Self.pointer(storage) + offset).update(from: base, count: values.count)
    }

    public func download(_ storage: Storage, offset: Int, count: Int) throws -> [Float] {
        Array(UnsafeBufferPointer(start: Self.pointer(storage) + offset, count: count))
    }

    public func fill(_ storage: Storage, offset: Int, count: Int, value: Float) throws {
        (Self.pointer(storage) + offset).update(repeating: value, count: count)
    }

    public func copy(from source: Storage, offset sourceOffset: Int, to destination: Storage, offset destinationOffset: Int, count: Int) throws {
        (Self.pointer(destination) + destinationOffset).update(from: Self.pointer(source) + sourceOffset, count: count)
    }

    public func axpy(alpha: Float, x: Storage, y: Storage, count: Int) throws {
        cblas_saxpy(Int32(count), alpha, Self.pointer(x), 1, Self.pointer(y), 1)
    }

    public func synchronize() throws {}

    public var memoryUsage: MemoryUsage { CPUMemoryStats.shared.current }
}

/// Splits 0..<count into chunks of at least `grain` items and runs them on all cores.
@inline(__always)
func parallelFor(_ count: Int, grain: Int = 16_384, _ body: (Range<Int>) -> Void) {
    let workers = ProcessInfo.processInfo.activeProcessorCount
    if count <= grain || workers == 1 {
        if count > 0 { body(0..<count) }
        return
    }
    let chunks = min(workers * 4, (count + grain - 1) / grain)
    let chunkSize = (count + chunks - 1) / chunks
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        let start = chunk * chunkSize
        let end = min(start + chunkSize, count)
        if start < end { body(start..<end) }
    }
}
