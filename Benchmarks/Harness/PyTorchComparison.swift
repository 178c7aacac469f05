import Foundation

/// One benchmark as `pytorch_bench.py` reads it (a flat JSON object; the fields its kind needs are set).
struct ReferenceSpec: Codable {
    var name = ""
    /// "gemm", "conv", "activation", "softmax", "train", "rnn" or "text-train".
    var kind: String
    /// "fwd", "bwd", "bwd-data" or "bwd-weight".
    var pass: String?
    var n: Int?
    var batch: Int?, inChannels: Int?, outChannels: Int?, size: Int?, kernel: Int?, stride: Int?, padding: Int?
    var op: String?, count: Int?
    var rows: Int?, columns: Int?
    /// Training steps: the zoo model's name and "adam" or "sgd".
    var model: String?, optimizer: String?
    /// Recurrent layers and the text step: "lstm" or "gru", sequence length, sizes.
    var cell: String?, steps: Int?, hidden: Int?, inputSize: Int?, vocabulary: Int?, classes: Int?

    static func gemm(_ n: Int) -> ReferenceSpec { ReferenceSpec(kind: "gemm", n: n) }

    static func conv(_ shape: ConvShape, batch: Int, pass: String) -> ReferenceSpec {
        ReferenceSpec(
            kind: "conv", pass: pass, batch: batch, inChannels: shape.inChannels, outChannels: shape.outChannels,
            size: shape.size, kernel: shape.kernel, stride: shape.stride, padding: shape.padding)
    }

    static func activation(_ op: String, count: Int, pass: String) -> ReferenceSpec {
        ReferenceSpec(kind: "activation", pass: pass, op: op, count: count)
    }

    static func softmax(rows: Int, columns: Int, pass: String) -> ReferenceSpec {
        ReferenceSpec(kind: "softmax", pass: pass, rows: rows, columns: columns)
    }

    static func train(model: String, batch: Int, optimizer: String) -> ReferenceSpec {
        ReferenceSpec(kind: "train", batch: batch, model: model, optimizer: optimizer)
    }

    /// A recurrent layer's forward and backward on [steps, batch, inputSize] from zero states.
    static func recurrent(cell: String, batch: Int, steps: Int, hidden: Int, inputSize: Int) -> ReferenceSpec {
        ReferenceSpec(kind: "rnn", batch: batch, cell: cell, steps: steps, hidden: hidden, inputSize: inputSize)
    }

    /// One Adam step of `TextClassifier` (embedding 64, an LSTM, a linear head on the last step) on random ids.
    static func textTraining(batch: Int, length: Int, hidden: Int, vocabulary: Int, classes: Int) -> ReferenceSpec {
        ReferenceSpec(
            kind: "text-train", batch: batch, optimizer: "adam", steps: length, hidden: hidden,
            vocabulary: vocabulary, classes: classes)
    }
}

/// Runs `pytorch_bench.py` on the benchmarks of this run and compares medians.
enum PyTorchComparison {
    struct Output: Codable {
        struct Result: Codable {
            let name: String
            let backend: String
            let median: Double, min: Double, max: Double, q1: Double, q3: Double
            /// Process CPU seconds per call (all threads), when the script measured it.
            var cpuPerCall: Double?
        }
        /// The framework's version ("2.13.0+cpu", or "tinygrad 0.14.0").
        let torch: String
        /// "tinygrad" from `tinygrad_bench.py`; nil (PyTorch) from `pytorch_bench.py`.
        var framework: String?
        let threads: Int
        /// OMP_WAIT_POLICY as the script saw it ("default" when unset).
        var ompWaitPolicy: String?
        let devices: [String]
        let results: [Result]
        let failures: [String]
    }

    private struct Spec: Codable {
        let warmup: Int, minRuns: Int, maxRuns: Int
        let budget: Double
        let benchmarks: [ReferenceSpec]
    }

    /// Writes the spec of `cases`, runs the script with `python`, and decodes its JSON.
    static func run(_ cases: [BenchmarkCase], timer: Timer, python: String, script: String, threads: Int?) throws -> Output {
        let benchmarks = cases.compactMap { c in
            c.reference.map { spec -> ReferenceSpec in
                var s = spec; s.name = c.name; return s
            }
        }
        let spec = Spec(
            warmup: timer.warmupRuns, minRuns: timer.minimumRuns, maxRuns: timer.maximumRuns,
            budget: timer.timeBudget, benchmarks: benchmarks)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-bench-spec-\(getpid()).json")
        try JSONEncoder().encode(spec).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script, "--spec", file.path] + (threads.map { ["--threads", String($0)] } ?? [])
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw HarnessError("\(python) \(script) exited with status \(process.terminationStatus): \(message)")
        }
        return try JSONDecoder().decode(Output.self, from: data)
    }

    /// Fovea's speed relative to PyTorch (PyTorch median / Fovea median: above 1 means Fovea is faster), per benchmark.
    static func table(_ fovea: [BenchmarkResult], _ torch: Output) -> String {
        let ops = fovea.filter { $0.suite != "train" }, trainingTable = training(fovea.filter { $0.suite == "train" }, torch)
        guard ops.contains(where: { result in torch.results.contains { $0.name == result.name } }) else { return trainingTable }
        let torchBackends = TableReport.unique(torch.results.map(\.backend))
        let foveaBackends = TableReport.orderedBackends(fovea).filter { $0 != "openblas" }
        var text =
            "\n== Fovea vs PyTorch \(torch.torch) (\(torch.threads) threads): median ms, and PyTorch time / Fovea time ==\n"
        text += TableReport.pad("benchmark", 38) + (foveaBackends + torchBackends).map { TableReport.pad($0, 12) }.joined()
        let pairs = foveaBackends.flatMap { f in torchBackends.map { (f, $0) } }
        text += pairs.map { TableReport.pad("\($0.1)/\($0.0)", 24) }.joined() + "\n"
        for name in TableReport.orderedNames(ops) {
            let torchRows = torch.results.filter { $0.name == name }
            guard !torchRows.isEmpty else { continue }
            let mine = fovea.filter { $0.name == name }
            var line = TableReport.pad(name, 38)
            for backend in foveaBackends {
                line += TableReport.pad(
                    mine.first { $0.backend == backend }.map { String(format: "%.3f", $0.measurement.median * 1e3) } ?? "-", 12)
            }
            for backend in torchBackends {
                line += TableReport.pad(
                    torchRows.first { $0.backend == backend }.map { String(format: "%.3f", $0.median * 1e3) } ?? "-", 12)
            }
            for (f, t) in pairs {
                if let a = mine.first(where: { $0.backend == f }), let b = torchRows.first(where: { $0.backend == t }) {
                    line += TableReport.pad(String(format: "%.2fx", b.median / a.measurement.median), 24)
                } else {
                    line += TableReport.pad("-", 24)
                }
            }
            text += line + "\n"
        }
        return text + trainingTable
    }

    /// Training steps in images/s at the median, and Fovea images/s over PyTorch images/s (above 1: Fovea is faster).
    static func training(_ fovea: [BenchmarkResult], _ torch: Output) -> String {
        let names = TableReport.orderedNames(fovea).filter { name in torch.results.contains { $0.name == name } }
        guard !names.isEmpty else { return "" }
        let torchBackends = TableReport.unique(torch.results.map(\.backend))
        let foveaBackends = TableReport.orderedBackends(fovea)
        let pairs = foveaBackends.flatMap { f in torchBackends.map { (f, $0) } }
        let framework = torch.framework ?? "PyTorch"
        let setting =
            torch.framework == nil
            ? "PyTorch \(torch.torch) (\(torch.threads) threads, OMP_WAIT_POLICY \(torch.ompWaitPolicy ?? "default"))"
            : torch.torch
        var text = "\n== Training steps, Fovea vs \(setting): images/s at the median, and Fovea / \(framework) ==\n"
        text += TableReport.pad("benchmark", 30) + (foveaBackends + torchBackends).map { TableReport.pad($0, 12) }.joined()
        text += pairs.map { TableReport.pad("\($0.0)/\($0.1)", 22) }.joined()
        text += pairs.map { _ in TableReport.pad("by CPU time", 14) }.joined() + "\n"
        for name in names {
            let mine = fovea.filter { $0.name == name }, theirs = torch.results.filter { $0.name == name }
            guard case .images(let images) = mine[0].work else { continue }
            var line = TableReport.pad(name, 30)
            for backend in foveaBackends {
                line += TableReport.pad(mine.first { $0.backend == backend }.map { String(format: "%.1f", $0.rate) } ?? "-", 12)
            }
            for backend in torchBackends {
                line += TableReport.pad(
                    theirs.first { $0.backend == backend }.map { String(format: "%.1f", images / $0.median) } ?? "-", 12)
            }
            for (f, t) in pairs {
                if let a = mine.first(where: { $0.backend == f }), let b = theirs.first(where: { $0.backend == t }) {
                    line += TableReport.pad(String(format: "%.2fx", b.median / a.measurement.median), 22)
                } else {
                    line += TableReport.pad("-", 22)
                }
            }
            // The same ratio of CPU time per step (less sensitive to other work on the machine than wall time).
            for (f, t) in pairs {
                if let a = mine.first(where: { $0.backend == f })?.measurement.cpuSecondsPerCall,
                    let b = theirs.first(where: { $0.backend == t })?.cpuPerCall
                {
                    line += TableReport.pad(String(format: "%.2fx", b / a), 14)
                } else {
                    line += TableReport.pad("-", 14)
                }
            }
            text += line + "\n"
        }
        return text
    }
}
