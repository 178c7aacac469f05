import FoveaCore

/// What a benchmark's rate is counted in.
enum Work: Codable, Sendable {
    /// Floating-point operations per call (reported as GFLOP/s).
    case flops(Double)
    /// Bytes of the tensors a call reads and writes (reported as GB/s).
    case bytes(Double)
    /// Images processed per call (reported as images/s).
    case images(Double)
    /// No meaningful rate (reported as milliseconds only).
    case none

    var unit: String {
        switch self {
        case .flops: "GFLOP/s"
        case .bytes: "GB/s"
        case .images: "images/s"
        case .none: "ms"
        }
    }

    private enum CodingKeys: String, CodingKey { case flops, bytes, images }

    /// JSON: `{"flops": n}`, `{"bytes": n}`, `{"images": n}` or `{}`.
    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let flops = try container.decodeIfPresent(Double.self, forKey: .flops) {
            self = .flops(flops)
        } else if let bytes = try container.decodeIfPresent(Double.self, forKey: .bytes) {
            self = .bytes(bytes)
        } else if let images = try container.decodeIfPresent(Double.self, forKey: .images) {
            self = .images(images)
        } else {
            self = .none
        }
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .flops(let flops): try container.encode(flops, forKey: .flops)
        case .bytes(let bytes): try container.encode(bytes, forKey: .bytes)
        case .images(let images): try container.encode(images, forKey: .images)
        case .none: break
        }
    }

    /// The rate at `measurement`'s median, in `unit` (milliseconds for `.none`).
    func rate(_ measurement: Measurement) -> Double {
        switch self {
        case .flops(let flops): measurement.rate(flops) / 1e9
        case .bytes(let bytes): measurement.rate(bytes) / 1e9
        case .images(let images): measurement.rate(images)
        case .none: measurement.median * 1e3
        }
    }
}

/// One named step of a benchmark, for `--profile` breakdowns.
struct Step {
    let name: String
    let run: () throws -> Void
}

/// Where a benchmark runs: a Fovea backend, or OpenBLAS called directly (the reference for CPU GEMM).
enum Target {
    case backend(any Backend)
    case openBLAS

    /// "cpu", "opencl:N" or "openblas".
    var label: String {
        switch self {
        case .backend(let backend): backend.device.description
        case .openBLAS: "openblas"
        }
    }

    /// Waits for queued device work (a no-op on the host).
    func synchronize() throws {
        if case .backend(let backend) = self { try backend.synchronize() }
    }

    /// The backend whose storage the benchmark allocates (OpenBLAS works on CPU storage).
    var storageBackend: any Backend {
        switch self {
        case .backend(let backend): backend
        case .openBLAS: CPUBackend.shared
        }
    }
}

/// A benchmark's inputs, allocated on one target, and the call to time.
struct Prepared {
    /// One call of the op.
    let body: () throws -> Void
    /// The op split into the public primitives it is made of, for `--profile` (empty: the op is one primitive).
    /// A closure, so the scratch storage of the steps is allocated only when profiling and stays out of `peakBytes`.
    var steps: () throws -> [Step] = { [] }
    /// Calls of `body` recorded with OpenCL event profiling for `--profile` (one training step is enough).
    var profiledCalls = 5
    /// OpenCL host synchronizations of one call (nil where not counted), measured after timing.
    var hostSyncs: (() throws -> HostSyncs)? = nil
}

/// Host synchronizations (`OpenCLContext.hostSyncsOnCurrentThread`) made while enqueueing one training step.
struct HostSyncs: Codable {
    /// A step that never reads the loss back: the goal is 0.
    let step: Int
    /// The same step followed by `loss.item()`: 1 (the read itself).
    let stepReadingLoss: Int
}

/// One benchmark, defined once for every target.
struct BenchmarkCase {
    /// The op family: "gemm", "conv", "pool", "activation", "softmax", "train".
    let suite: String
    /// The same on every target, so results can be compared by name (e.g. "gemm 1024", "conv vgg2 b32 fwd").
    let name: String
    let work: Work
    /// How `pytorch_bench.py` runs the same benchmark; nil when it has no PyTorch counterpart.
    var reference: ReferenceSpec? = nil
    /// Allocates inputs on the target and returns the call; nil when the benchmark does not apply to the target.
    let prepare: (Target) throws -> Prepared?
}

/// One backend's time for one benchmark.
struct BenchmarkResult: Codable {
    let suite: String
    let name: String
    /// "cpu", "opencl:N" or "openblas" (OpenBLAS called directly).
    let backend: String
    let measurement: Measurement
    let work: Work
    /// The rate in `unit` at the median.
    let rate: Double
    let unit: String
    /// The backend's peak bytes of live storage while the benchmark (including its inputs) existed.
    let peakBytes: Int
    /// False when an earlier benchmark had already set a higher peak, so `peakBytes` is only an upper bound
    /// (FoveaCore offers no way to reset the peak counter).
    let peakExact: Bool
    /// `--profile` only: device time per kernel (OpenCL) and host time per step.
    var profile: Profile?
    /// Training steps on OpenCL: host synchronizations per step.
    var hostSyncs: HostSyncs?
}
