import Foundation

/// How the CPU backend picks each convolution pass's algorithm (`CPUBackend.convolutionSelection`).
public enum ConvolutionAlgorithmSelection: String, Sendable {
    /// `CPUConvolutionAlgorithm.choice(for:pass:)`: a fixed rule, measured on the machines the project was tuned on.
    /// The same algorithm, and so the same bits, on every run.
    case rule
    /// The fastest on this machine: the first call of each pass and geometry times every algorithm that computes it and
    /// keeps the fastest for the rest of the process, as PyTorch's `torch.backends.cudnn.benchmark = True` does. That
    /// first call takes several times longer, and the choice (with it the last bits of the results) can differ from run
    /// to run.
    case measured

    /// `FOVEA_CONV_SELECTION` (`rule` or `measured`), else `.rule`; an unknown value is reported on stderr once.
    static func from(environment: [String: String] = ProcessInfo.processInfo.environment) -> Self {
        guard let value = environment["FOVEA_CONV_SELECTION"], !value.isEmpty else { return .rule }
        if let selection = Self(rawValue: value.lowercased()) { return selection }
        FileHandle.standardError.write(
            Data("fovea: FOVEA_CONV_SELECTION must be rule or measured, not \(value); using rule\n".utf8))
        return .rule
    }
}

/// Times the algorithms that compute a convolution pass and remembers the fastest per pass and geometry (batch
/// included): `ConvolutionAlgorithmSelection.measured`.
final class ConvolutionAlgorithmTimer: @unchecked Sendable {
    private struct Key: Hashable {
        let geometry: ConvolutionGeometry
        let pass: ConvolutionPass
    }

    /// Timed calls of each candidate; the fastest of them counts.
    static let rounds = 3
    /// The rule's choice is kept unless another algorithm is faster by more than this fraction, so that runs agree
    /// where the measurement cannot tell the algorithms apart.
    static let margin = 0.05

    private let lock = NSLock()
    private var choices: [Key: CPUConvolutionAlgorithm] = [:]

    /// The algorithm chosen for `pass` of `g`, once measured.
    func choice(for g: ConvolutionGeometry, pass: ConvolutionPass) -> CPUConvolutionAlgorithm? {
        lock.withLock { choices[Key(geometry: g, pass: pass)] }
    }

    /// Every measured choice so far.
    var measured: [(geometry: ConvolutionGeometry, pass: ConvolutionPass, algorithm: CPUConvolutionAlgorithm)] {
        lock.withLock { choices.map { ($0.key.geometry, $0.key.pass, $0.value) } }
    }

    /// Runs `pass` of `g` by the algorithm measured fastest, timing each candidate with `body` first when this pass and
    /// geometry are new. `body(algorithm)` computes the pass by `algorithm`, overwriting its output; the last call is
    /// always the chosen algorithm's, so the output is its result.
    func run(
        _ g: ConvolutionGeometry, pass: ConvolutionPass, rule: CPUConvolutionAlgorithm,
        _ body: (CPUConvolutionAlgorithm) throws -> Void
    ) throws {
        if let known = choice(for: g, pass: pass) { return try body(known) }
        let candidates = CPUConvolutionAlgorithm.allCases.filter { $0.supports(g, pass: pass) }
        guard candidates.count > 1 else { return try body(rule) }
        var fastest = [UInt64](repeating: .max, count: candidates.count)
        for _ in 0..<Self.rounds {
            for (index, algorithm) in candidates.enumerated() {
                let start = DispatchTime.now().uptimeNanoseconds
                try body(algorithm)
                fastest[index] = min(fastest[index], DispatchTime.now().uptimeNanoseconds - start)
            }
        }
        let chosen = Self.pick(candidates, times: fastest, rule: rule)
        lock.withLock { choices[Key(geometry: g, pass: pass)] = chosen }
        if chosen != candidates.last { try body(chosen) }
    }

    /// The fastest of `candidates` by `times`, or `rule` when it is within `margin` of the fastest.
    static func pick(_ candidates: [CPUConvolutionAlgorithm], times: [UInt64], rule: CPUConvolutionAlgorithm)
        -> CPUConvolutionAlgorithm
    {
        let best = times.indices.min { times[$0] < times[$1] }!
        if let ruleIndex = candidates.firstIndex(of: rule),
            Double(times[ruleIndex]) <= Double(times[best]) * (1 + margin)
        {
            return rule
        }
        return candidates[best]
    }
}
