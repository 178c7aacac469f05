import Foundation
import FoveaTestSupport
import Testing

@testable import FoveaCore

/// `ConvolutionAlgorithmSelection.measured`: the timer keeps the fastest algorithm (or the rule's when it is close), runs
/// the chosen algorithm last, and measures each pass and geometry once. Each test has its own timer, so the shared
/// backend's selection stays `.rule` for the tests running beside them.
@Suite struct ConvolutionAlgorithmTimerTests {
    static let geometry = CPUConvolutionAlgorithmTests.geometry(
        batch: 2, inChannels: 16, size: (12, 12), outChannels: 16, padding: (1, 1), output: (12, 12))

    @Test func pickKeepsTheRuleUnlessAnotherIsClearlyFaster() {
        let candidates: [CPUConvolutionAlgorithm] = [.columns, .winograd, .winograd4, .direct]
        #expect(ConvolutionAlgorithmTimer.pick(candidates, times: [100, 60, 80, 90], rule: .columns) == .winograd)
        #expect(ConvolutionAlgorithmTimer.pick(candidates, times: [100, 62, 60, 90], rule: .winograd) == .winograd)
        #expect(ConvolutionAlgorithmTimer.pick(candidates, times: [100, 70, 60, 90], rule: .winograd) == .winograd4)
        #expect(ConvolutionAlgorithmTimer.pick([.columns, .direct], times: [50, 40], rule: .winograd) == .direct)
    }

    @Test func theSlowerCandidatesLoseAndTheChoiceRunsLastAndOnce() throws {
        let timer = ConvolutionAlgorithmTimer(), g = Self.geometry
        // Winograd F(2x2) is made the fastest by far: every other algorithm sleeps.
        var calls: [CPUConvolutionAlgorithm] = []
        try timer.run(g, pass: .forward, rule: .winograd4) { algorithm in
            calls.append(algorithm)
            if algorithm != .winograd { Thread.sleep(forTimeInterval: 0.002) }
        }
        let candidates = CPUConvolutionAlgorithm.allCases.filter { $0.supports(g, pass: .forward) }
        #expect(calls.count == ConvolutionAlgorithmTimer.rounds * candidates.count + 1)
        #expect(Set(calls) == Set(candidates))
        #expect(calls.last == .winograd)
        #expect(timer.choice(for: g, pass: .forward) == .winograd)
        #expect(timer.choice(for: g, pass: .backwardData) == nil)

        calls = []
        try timer.run(g, pass: .forward, rule: .winograd4) { calls.append($0) }
        #expect(calls == [.winograd])
        #expect(timer.measured.count == 1)
    }

    @Test func aPassOnlyOneAlgorithmComputesIsNotTimed() throws {
        let timer = ConvolutionAlgorithmTimer()
        var strided = Self.geometry
        strided.stride = Size2D(2)
        strided.output = Size2D(6)
        var calls: [CPUConvolutionAlgorithm] = []
        try timer.run(strided, pass: .backwardData, rule: .columns) { calls.append($0) }
        #expect(calls == [.columns])
        #expect(timer.choice(for: strided, pass: .backwardData) == nil)
    }

    /// On the real algorithms every pass's output is exactly the chosen algorithm's own result.
    @Test(arguments: ConvolutionPass.allCases)
    func theOutputIsTheChosenAlgorithmsResult(pass: ConvolutionPass) throws {
        let timer = ConvolutionAlgorithmTimer(), g = Self.geometry, backend = CPUBackend.shared
        let x = try testTensor([g.batch, g.inChannels, g.height, g.width], device: .cpu, seed: 1)
        let w = try testTensor([g.outChannels, g.inChannels, 3, 3], device: .cpu, seed: 2)
        let b = try testTensor([g.outChannels], device: .cpu, seed: 3)
        let gy = try testTensor([g.batch, g.outChannels, g.output.height, g.output.width], device: .cpu, seed: 4)
        let shape = pass == .forward ? gy.shape : pass == .backwardData ? x.shape : w.shape
        func compute(_ algorithm: CPUConvolutionAlgorithm, into out: Tensor) throws {
            switch pass {
            case .forward:
                try backend.conv2d(
                    x.storage, weight: w.storage, bias: b.storage, geometry: g, into: out.storage, algorithm: algorithm)
            case .backwardData:
                try backend.conv2dBackwardData(
                    gy.storage, weight: w.storage, geometry: g, into: out.storage, algorithm: algorithm)
            case .backwardWeight:
                try backend.conv2dBackwardWeight(
                    gy.storage, input: x.storage, geometry: g, into: out.storage, algorithm: algorithm)
            }
        }
        let measured = try Tensor.full(shape, value: .nan), reference = try Tensor.full(shape, value: .nan)
        try timer.run(g, pass: pass, rule: .choice(for: g, pass: pass)) { try compute($0, into: measured) }
        let chosen = try #require(timer.choice(for: g, pass: pass))
        try compute(chosen, into: reference)
        #expect(try measured.toArray() == reference.toArray())
    }

    @Test func theSelectionComesFromTheEnvironment() {
        #expect(ConvolutionAlgorithmSelection.from(environment: [:]) == .rule)
        #expect(ConvolutionAlgorithmSelection.from(environment: ["FOVEA_CONV_SELECTION": "measured"]) == .measured)
        #expect(ConvolutionAlgorithmSelection.from(environment: ["FOVEA_CONV_SELECTION": "Measured"]) == .measured)
        #expect(ConvolutionAlgorithmSelection.from(environment: ["FOVEA_CONV_SELECTION": "rule"]) == .rule)
        // An unknown value falls back to the rule (with a line on stderr).
        #expect(ConvolutionAlgorithmSelection.from(environment: ["FOVEA_CONV_SELECTION": "fastest"]) == .rule)
    }
}
