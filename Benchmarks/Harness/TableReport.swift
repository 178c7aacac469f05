import Foundation

/// Plain-text tables for the terminal.
enum TableReport {
    /// One line per measured result, printed as it arrives.
    static func line(_ r: BenchmarkResult) -> String {
        let m = r.measurement
        let rate = r.unit == "ms" ? "" : String(format: "%9.2f ", r.rate) + r.unit
        let peak = (r.peakExact ? "" : "<=") + megabytes(r.peakBytes)
        return pad(r.name, 38) + pad(r.backend, 10)
            + String(
                format: "%10.3f ms  [%.3f..%.3f] ±%4.1f%%  ", m.median * 1e3, m.min * 1e3, m.max * 1e3, m.relativeSpread * 100)
            + pad(rate, 18) + pad("peak " + peak, 16) + (m.cpuSecondsPerCall.map { String(format: "%8.3f ms", $0 * 1e3) } ?? "")
    }

    static let header =
        pad("benchmark", 38) + pad("backend", 10)
        + "    median  [min..max] IQR/median     rate              peak memory     CPU time per call"

    /// Each suite as a table of rates with one column per backend, and CPU / OpenCL ratios.
    static func summary(_ results: [BenchmarkResult]) -> String {
        var text = ""
        for suite in orderedSuites(results) {
            let rows = results.filter { $0.suite == suite }
            let backends = orderedBackends(rows)
            let unit = rows[0].unit
            text += "\n== \(suite): \(unit) at the median (higher is better\(unit == "ms" ? ", except ms" : "")) ==\n"
            text += pad("benchmark", 38) + backends.map { pad($0, 12) }.joined()
            let openCL = backends.filter { $0.hasPrefix("opencl") }
            text += openCL.map { pad("\($0)/cpu", 16) }.joined() + "\n"
            for name in orderedNames(rows) {
                let byBackend = Dictionary(rows.filter { $0.name == name }.map { ($0.backend, $0) }) { first, _ in first }
                text +=
                    pad(name, 38)
                    + backends.map { pad(byBackend[$0].map { String(format: "%.2f", $0.rate) } ?? "-", 12) }.joined()
                for device in openCL {
                    if let gpu = byBackend[device], let cpu = byBackend["cpu"] {
                        text += pad(String(format: "%.2fx", cpu.measurement.median / gpu.measurement.median), 16)
                    } else {
                        text += pad("-", 16)
                    }
                }
                text += "\n"
            }
        }
        let gemm = results.filter { $0.suite == "gemm" }
        let percentages = orderedNames(gemm).compactMap { name -> String? in
            guard let cpu = gemm.first(where: { $0.name == name && $0.backend == "cpu" }),
                let blas = gemm.first(where: { $0.name == name && $0.backend == "openblas" })
            else { return nil }
            return name + String(format: ": %.0f%%", 100 * blas.measurement.median / cpu.measurement.median)
        }
        if !percentages.isEmpty {
            text += "\nCPU backend GEMM as % of OpenBLAS called directly: " + percentages.joined(separator: ", ") + "\n"
        }
        return text
    }

    /// Startup timings per device.
    static func startup(_ timings: [StartupSuite.Timing]) -> String {
        var text = "\n== OpenCL startup (child processes; first run = every program built or loaded) ==\n"
        text +=
            pad("workload", 30) + pad("mode", 17) + pad("device", 30)
            + "context     setup    first run  second run  compiled  from disk  process\n"
        for t in timings {
            text +=
                pad(t.workload, 30) + pad(t.mode, 17) + pad(String(t.device.prefix(28)), 30)
                + String(
                    format: "%7.3f s  %7.3f s  %7.3f s  %8.3f s  %8d  %9d  %6.2f s\n", t.contextSeconds, t.setupSeconds,
                    t.firstRunSeconds, t.secondRunSeconds, t.compiled, t.loadedFromDisk, t.processSeconds)
        }
        return text
    }

    /// Host synchronizations per training step on OpenCL (empty when none were counted).
    static func hostSyncs(_ results: [BenchmarkResult]) -> String {
        let counted = results.filter { $0.hostSyncs != nil }
        guard !counted.isEmpty else { return "" }
        var text = "\n== OpenCL host syncs per training step (goal: 0 without reading the loss, 1 reading it) ==\n"
        text += pad("benchmark", 38) + pad("backend", 10) + "step  step + loss.item()\n"
        for r in counted {
            text +=
                pad(r.name, 38) + pad(r.backend, 10)
                + String(format: "%4d  %4d\n", r.hostSyncs!.step, r.hostSyncs!.stepReadingLoss)
        }
        return text
    }

    /// Per-kernel and per-step times of profiled results.
    static func profiles(_ results: [BenchmarkResult]) -> String {
        var text = ""
        for r in results {
            guard let profile = r.profile else { continue }
            text +=
                "\n-- profile: \(r.name) on \(r.backend) (wall \(String(format: "%.3f", r.measurement.median * 1e3)) ms per call)\n"
            if !profile.kernels.isEmpty {
                let total = profile.kernels.reduce(0) { $0 + $1.seconds }
                for k in profile.kernels {
                    text +=
                        "   kernel " + pad(k.kernel, 30)
                        + String(format: "%9.3f ms  %5.1f launches\n", k.seconds * 1e3, k.launches)
                }
                text += String(
                    format: "   Fovea kernels %.3f ms; the rest of the wall time is CLBlast GEMM and host work\n", total * 1e3)
                if let enqueue = profile.enqueueSeconds {
                    let launches = profile.kernels.reduce(0) { $0 + $1.launches }
                    text += String(
                        format: "   host enqueue (CPU) %.3f ms for %.0f launches and GEMM calls: %.1f us each\n",
                        enqueue * 1e3, launches, enqueue * 1e6 / max(launches, 1))
                }
            } else if r.backend.hasPrefix("opencl") {
                text += "   no Fovea kernel events (CLBlast enqueues its GEMM kernels without them)\n"
            }
            for s in profile.steps {
                text += "   step   " + pad(s.step, 30) + String(format: "%9.3f ms\n", s.seconds * 1e3)
            }
        }
        return text
    }

    static func megabytes(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1_048_576) }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    /// Suites, backends and names in first-seen order.
    static func orderedSuites(_ results: [BenchmarkResult]) -> [String] { unique(results.map(\.suite)) }
    static func orderedBackends(_ results: [BenchmarkResult]) -> [String] { unique(results.map(\.backend)) }
    static func orderedNames(_ results: [BenchmarkResult]) -> [String] { unique(results.map(\.name)) }

    static func unique(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }
}
