import Foundation
import FoveaCore

/// Every CPU convolution algorithm on every zoo convolution shape and pass it computes ("-" where it does not), next to
/// the algorithm `CPUConvolutionAlgorithm.choice(for:pass:)` picks, so the choice is visible and checked.
enum ConvAlgorithmSuite {
    static func cases(batches: [Int]) -> [BenchmarkCase] {
        batches.flatMap { batch in
            ConvShape.all.flatMap { shape in
                ConvSuite.Pass.allCases.flatMap { pass in
                    let g = ConvSuite.geometry(shape, batch: batch)
                    return CPUConvolutionAlgorithm.allCases.filter { $0.supports(g, pass: corePass(pass)) }.map { algorithm in
                        BenchmarkCase(
                            suite: "conv-algo", name: name(shape, batch: batch, pass: pass, algorithm: algorithm),
                            work: .flops(shape.flops(batch: batch))
                        ) { target in
                            guard case .backend(let backend as CPUBackend) = target else { return nil }
                            return try prepare(g, pass: pass, algorithm: algorithm, on: backend)
                        }
                    }
                }
            }
        }
    }

    /// "conv-algo vgg2 32->32 32x32 b32 fwd winograd".
    static func name(_ shape: ConvShape, batch: Int, pass: ConvSuite.Pass, algorithm: CPUConvolutionAlgorithm) -> String {
        "conv-algo \(shape.label) b\(batch) \(pass.rawValue) \(algorithm.rawValue)"
    }

    static func corePass(_ pass: ConvSuite.Pass) -> ConvolutionPass {
        switch pass {
        case .forward: .forward
        case .backwardData: .backwardData
        case .backwardWeight: .backwardWeight
        }
    }

    private static func prepare(
        _ g: ConvolutionGeometry, pass: ConvSuite.Pass, algorithm: CPUConvolutionAlgorithm,
        on backend: CPUBackend
    ) throws -> Prepared {
        let x = try randomStorage(g.batch * g.inChannels * g.height * g.width, on: backend, seed: 1)
        let gradOutput = try randomStorage(g.batch * g.outChannels * g.outputPlane, on: backend, seed: 2)
        let weight = try randomStorage(g.outChannels * g.groupPatch, on: backend, seed: 3)
        switch pass {
        case .forward:
            let bias = try randomStorage(g.outChannels, on: backend, seed: 4), y = try backend.allocate(gradOutput.count)
            return Prepared(body: {
                try backend.conv2d(x, weight: weight, bias: bias, geometry: g, into: y, algorithm: algorithm)
            })
        case .backwardData:
            let gradInput = try backend.allocate(x.count)
            return Prepared(body: {
                try backend.conv2dBackwardData(gradOutput, weight: weight, geometry: g, into: gradInput, algorithm: algorithm)
            })
        case .backwardWeight:
            let gradWeight = try backend.allocate(weight.count)
            return Prepared(body: {
                try backend.conv2dBackwardWeight(gradOutput, input: x, geometry: g, into: gradWeight, algorithm: algorithm)
            })
        }
    }

    /// What `FOVEA_CONV_SELECTION=measured` chose in this run, next to the rule's choice ("" when nothing was measured).
    static func measuredChoices(_ backend: CPUBackend) -> String {
        let choices = backend.measuredConvolutionChoices
        guard !choices.isEmpty else { return "" }
        var text = "\n== convolutions: the measured choice (FOVEA_CONV_SELECTION=measured) and the rule's ==\n"
        text += TableReport.pad("geometry and pass", 44) + TableReport.pad("measured", 12) + "rule\n"
        let rows = choices.map { choice in
            let g = choice.geometry
            let label =
                "\(g.inChannels)->\(g.outChannels) \(g.height)x\(g.width) k\(g.kernel.height) s\(g.stride.height) "
                + "b\(g.batch) \(choice.pass.rawValue)"
            return (label, choice.algorithm, CPUConvolutionAlgorithm.choice(for: g, pass: choice.pass))
        }.sorted { $0.0 < $1.0 }
        for (label, measured, rule) in rows {
            text += TableReport.pad(label, 44) + TableReport.pad(measured.rawValue, 12) + rule.rawValue
            text += measured == rule ? "\n" : "  (differs)\n"
        }
        return text
    }

    /// Per shape, batch and pass: each algorithm's fastest sample, the selector's choice, and whether the choice is
    /// the fastest or within `tolerance` of it. Fastest samples, not medians: on a shared machine the minimum is the
    /// steadiest estimate of what an algorithm costs.
    static func report(_ results: [BenchmarkResult], tolerance: Double = 0.10) -> String {
        let measured = Dictionary(results.filter { $0.suite == "conv-algo" }.map { ($0.name, $0.measurement.min) }) { a, _ in a }
        guard !measured.isEmpty else { return "" }
        let algorithms = CPUConvolutionAlgorithm.allCases
        var text = "\n== conv-algo: fastest sample in ms per CPU algorithm, * = the selector's choice ==\n"
        text +=
            TableReport.pad("shape and pass", 36) + algorithms.map { TableReport.pad($0.rawValue, 12) }.joined()
            + "choice / fastest\n"
        var (checked, wrong) = (0, [String]())
        for batch in Set(results.compactMap { batchOf($0.name) }).sorted() {
            for shape in ConvShape.all {
                for pass in ConvSuite.Pass.allCases {
                    let g = ConvSuite.geometry(shape, batch: batch)
                    let times = algorithms.map { measured[name(shape, batch: batch, pass: pass, algorithm: $0)] }
                    guard let fastest = times.compactMap({ $0 }).min() else { continue }
                    let choice = CPUConvolutionAlgorithm.choice(for: g, pass: corePass(pass))
                    guard let chosen = times[algorithms.firstIndex(of: choice)!] else { continue }
                    let label = "\(shape.label) b\(batch) \(pass.rawValue)"
                    text += TableReport.pad(label, 36)
                    text += zip(algorithms, times).map { algorithm, time in
                        TableReport.pad(
                            time.map { String(format: "%.3f", $0 * 1e3) + (algorithm == choice ? "*" : "") } ?? "-", 12)
                    }.joined()
                    let ratio = chosen / fastest
                    text += String(format: "%.2fx", ratio) + (ratio > 1 + tolerance ? "  SLOWER THAN THE FASTEST" : "") + "\n"
                    checked += 1
                    if ratio > 1 + tolerance { wrong.append(label) }
                }
            }
        }
        text += "\(checked - wrong.count) of \(checked) choices fastest or within \(Int(tolerance * 100))% of it"
        text += wrong.isEmpty ? "\n" : "; not: " + wrong.joined(separator: ", ") + "\n"
        return text
    }

    private static func batchOf(_ name: String) -> Int? {
        guard name.hasPrefix("conv-algo "),
            let part = name.split(separator: " ").first(where: { $0.hasPrefix("b") && Int($0.dropFirst()) != nil })
        else { return nil }
        return Int(part.dropFirst())
    }
}
