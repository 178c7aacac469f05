import Foundation
import FoveaCore

/// Everything one run measured, as written by `--json`.
struct RunReport: Codable {
    struct Machine: Codable {
        var cpu: String
        var cores: Int
        /// Target label ("cpu", "openblas", "opencl:N") to what it is.
        var targets: [String: String]

        /// This machine, and the names of `targets`.
        static func current(targets: [Target]) -> Machine {
            let model = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
                .split(separator: "\n").first { $0.hasPrefix("model name") }?
                .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces)
            var names: [String: String] = [:]
            for target in targets {
                switch target {
                case .openBLAS: names[target.label] = "cblas_sgemm called directly"
                case .backend(let backend as OpenCLBackend):
                    let info = backend.context.info
                    names[target.label] =
                        "\(info.name) (\(info.platformName), \(info.nativeType.map { "acting as GPU, FOVEA_OPENCL_AS=gpu, really \($0)" } ?? info.type), "
                        + "\(info.computeUnits) compute units)"
                case .backend: names[target.label] = "Fovea CPU backend (OpenBLAS + Swift loops)"
                }
            }
            return Machine(cpu: model ?? "unknown", cores: ProcessInfo.processInfo.activeProcessorCount, targets: names)
        }
    }

    var date: String
    var machine: Machine
    var timer: TimerSettings
    var results: [BenchmarkResult]
    var startup: [StartupSuite.Timing]
    var pytorch: PyTorchComparison.Output?
    /// `tinygrad_bench.py`'s output (`--tinygrad`).
    var tinygrad: PyTorchComparison.Output?
    var failures: [String]

    /// The timing method, so numbers can be read with it.
    struct TimerSettings: Codable {
        var warmupRuns: Int, minimumRuns: Int, maximumRuns: Int
        var timeBudget: Double, minimumSampleSeconds: Double

        init(_ timer: Timer) {
            warmupRuns = timer.warmupRuns; minimumRuns = timer.minimumRuns; maximumRuns = timer.maximumRuns
            timeBudget = timer.timeBudget; minimumSampleSeconds = timer.minimumSampleSeconds
        }
    }

    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path))
    }
}
