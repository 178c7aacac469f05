import FoveaCore
import FoveaTestSupport
import Testing

@Suite struct LossTests {
    func logits(_ device: Device) throws -> Tensor { try Tensor([1, 2, 3, 1, -1, 0.5], shape: [2, 3], device: device) }
    func targets(_ device: Device) throws -> Tensor { try Tensor(indices: [2, 0], device: device) }
    func weights(_ device: Device) throws -> Tensor { try Tensor([0.2, 0.3, 0.5], device: device) }

    @Test(arguments: testDevices)
    func crossEntropyMatchesHandComputedValues(device: Device) throws {
        // -log(e^3 / (e + e^2 + e^3)) = 0.40760596; the gradient is softmax - onehot.
        let x = try Tensor([1, 2, 3], shape: [1, 3], device: device, requiresGrad: true)
        let loss = try x.crossEntropy(targets: try Tensor(indices: [2], device: device))
        #expect(loss.shape == [])
        #expect(abs(try loss.item() - 0.40760596) < 1e-6)
        try loss.backward()
        #expect(allClose(try x.grad!.toArray(), [0.09003057, 0.24472847, -0.33475904]))
        // Weighted mean divides by the targets' weights; smoothing adds e / C * sum_c w[c] * (-logp[c]) per row.
        let cases: [(Tensor?, Float, Float)] = [
            (nil, 0, 0.48128144), (try weights(device), 0, 0.44970624),
            (nil, 0.1, 0.57294811), (try weights(device), 0.1, 0.52438147),
        ]
        for (classWeights, smoothing, expected) in cases {
            let value = try logits(device).crossEntropy(
                targets: try targets(device), classWeights: classWeights, labelSmoothing: smoothing)
            #expect(abs(try value.item() - expected) < 1e-6, "weights \(classWeights != nil), smoothing \(smoothing)")
        }
    }

    @Test(arguments: testDevices)
    func nllLossMatchesHandComputedValues(device: Device) throws {
        let logProbabilities = try Tensor(
            [-1.609438, -1.2039728, -0.6931472, -0.51082563, -1.2039728, -2.3025851],
            shape: [2, 3], device: device, requiresGrad: true)
        let targets = try Tensor(indices: [2, 1], device: device)
        let loss = try logProbabilities.nllLoss(targets: targets)
        #expect(abs(try loss.item() - 0.94855999) < 1e-6)
        try loss.backward()
        #expect(try logProbabilities.grad!.toArray() == [0, 0, -0.5, 0, -0.5, 0])
        let weighted = try logProbabilities.nllLoss(targets: targets, classWeights: try weights(device))
        #expect(abs(try weighted.item() - 0.88470679) < 1e-6)
    }

    @Test(arguments: testDevices)
    func stableForLargeLogits(device: Device) throws {
        let x = try Tensor([1000, 0, -1000], shape: [1, 3], device: device)
        #expect(try x.crossEntropy(targets: try Tensor(indices: [0], device: device)).item() == 0)
        #expect(try x.crossEntropy(targets: try Tensor(indices: [2], device: device)).item() == 2000)
    }

    @Test(arguments: testDevices)
    func gradients(device: Device) throws {
        let targets = try Tensor(indices: [0, 4, 2, 2, 1, 3, 4], device: device)
        let classWeights = try testTensor([5], device: device, seed: 3, low: 0.2, high: 1)
        for (weights, smoothing) in [(nil, 0), (classWeights, 0.2)] as [(Tensor?, Float)] {
            let check = try gradientCheck([try testTensor([7, 5], device: device, seed: 1, low: -2, high: 2)]) { t in
                try t[0].crossEntropy(targets: targets, classWeights: weights, labelSmoothing: smoothing)
            }
            #expect(check.worstError < 1e-2, "crossEntropy smoothing \(smoothing): \(check)")
            let nll = try gradientCheck([try testTensor([7, 5], device: device, seed: 2, low: -3, high: -0.1)]) { t in
                try t[0].nllLoss(targets: targets, classWeights: weights)
            }
            #expect(nll.worstError < 1e-2, "nllLoss: \(nll)")
        }
    }

    @Test func backendsAgreeAtAwkwardShapes() throws {
        guard testDevices.count > 1 else { return }
        for (n, c) in [(1, 1), (7, 3), (5, 16), (300, 11)] {
            for (useWeights, smoothing) in [(false, Float(0)), (true, 0.15)] {
                let labels = testValues(n, seed: UInt64(n), low: 0, high: Float(c)).map { Int($0) }
                let results = try testDevices.map { device -> [[Float]] in
                    let x = try testTensor([n, c], device: device, seed: UInt64(c), low: -4, high: 4, requiresGrad: true)
                    let weights = useWeights ? try testTensor([c], device: device, seed: 5, low: 0.1, high: 2) : nil
                    let loss = try x.crossEntropy(
                        targets: try Tensor(indices: labels, device: device), classWeights: weights, labelSmoothing: smoothing)
                    try loss.backward(try Tensor(scalar: 1.5, device: device))
                    let nllInput = try testTensor([n, c], device: device, seed: 9, low: -3, high: 0)
                    let nll = try nllInput.nllLoss(targets: try Tensor(indices: labels, device: device), classWeights: weights)
                    return [try loss.toArray(), try x.grad!.toArray(), try nll.toArray()]
                }
                for (cpu, opencl) in zip(results[0], results[1]) {
                    #expect(
                        allClose(opencl, cpu, atol: 1e-5, rtol: 1e-4),
                        "[\(n), \(c)] weights \(useWeights): \(maxAbsDifference(opencl, cpu))")
                }
            }
        }
    }

    @Test(arguments: testDevices)
    func rejectsBadTargets(device: Device) throws {
        let x = try logits(device)
        #expect(throws: FoveaError.shapeMismatch(op: "crossEntropy targets", [2], [3])) {
            try x.crossEntropy(targets: try Tensor(indices: [0, 1, 2], device: device))
        }
        // Float targets are refused with a message that says so.
        let floatTargets = try Tensor([2, 0], device: device)
        #expect(
            throws: FoveaError.invalidArgument(
                "crossEntropy: targets must be int32 class indices, got float32; use Tensor(indices:) or to(dtype: .int32)")
        ) {
            try x.crossEntropy(targets: floatTargets)
        }
        #expect(throws: FoveaError.self) { try x.nllLoss(targets: floatTargets) }
        #expect(throws: FoveaError.self) { try x.crossEntropy(targets: try targets(device), labelSmoothing: 1.5) }
        #expect(throws: FoveaError.self) {
            try x.crossEntropy(targets: try targets(device), classWeights: try Tensor([1, 1], device: device))
        }
        if device == .cpu {
            #expect(throws: FoveaError.self) { try x.crossEntropy(targets: try Tensor(indices: [2, 3], device: device)) }
            #expect(throws: FoveaError.self) { try x.nllLoss(targets: try Tensor(indices: [-1, 1], device: device)) }
        } else {
            // No host sync on OpenCL: a row with an out-of-range target contributes nothing.
            let y = x.detach()
            y.requiresGrad = true
            let loss = try y.crossEntropy(targets: try Tensor(indices: [2, 7], device: device))
            #expect(abs(try loss.item() - 0.40760596) < 1e-6)
            try loss.backward()
            #expect(try y.grad!.toArray().suffix(3) == [0, 0, 0])
        }
    }
}
