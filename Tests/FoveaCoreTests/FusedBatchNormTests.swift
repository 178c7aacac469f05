import FoveaCore
import FoveaTestSupport
import Testing

/// `batchNorm(..., relu: true)`: batch norm and ReLU in one op (one kernel each way on OpenCL, `CVectorKernels`' loops
/// with the ReLU and its mask inside on the CPU backend), equal to `batchNorm` followed by `relu`, forward and backward;
/// `batchNorm(..., residual:, relu:)` equal to `(batchNorm(...) + residual).relu()`.
@Suite struct FusedBatchNormTests {
    @Test(arguments: testDevices)
    func matchesBatchNormThenReLU(device: Device) throws {
        for training in [true, false] {
            for shape: Shape in [[4, 3, 5, 5], [6, 4]] {
                func run(fused: Bool) throws -> [[Float]] {
                    let channels = shape[1]
                    let x = try testTensor(shape, device: device, seed: 81, requiresGrad: true)
                    let weight = try testTensor([channels], device: device, seed: 82, low: 0.5, high: 1.5, requiresGrad: true)
                    let bias = try testTensor([channels], device: device, seed: 83, requiresGrad: true)
                    let mean = try testTensor([channels], device: device, seed: 84, low: -0.2, high: 0.2)
                    let variance = try testTensor([channels], device: device, seed: 85, low: 0.5, high: 1.5)
                    let y =
                        fused
                        ? try x.batchNorm(
                            weight: weight, bias: bias, runningMean: mean, runningVar: variance, training: training, relu: true)
                        : try x.batchNorm(weight: weight, bias: bias, runningMean: mean, runningVar: variance, training: training)
                            .relu()
                    try y.backward(try testTensor(shape, device: device, seed: 86))
                    return [
                        try y.toArray(), try x.grad!.toArray(), try weight.grad!.toArray(), try bias.grad!.toArray(),
                        try mean.toArray(), try variance.toArray(),
                    ]
                }
                let fused = try run(fused: true), composed = try run(fused: false)
                let names = ["output", "input gradient", "weight gradient", "bias gradient", "running mean", "running var"]
                for ((a, b), name) in zip(zip(fused, composed), names) {
                    #expect(allClose(a, b), "training \(training) \(shape) \(name): \(maxAbsDifference(a, b))")
                }
            }
        }
    }

    /// Biases +4 and -4 with weights near 0.5 keep channel 0's outputs positive and channel 1's negative, away from
    /// ReLU's kink, which central differences would straddle.
    @Test(arguments: testDevices)
    func gradientsMatchFiniteDifferences(device: Device) throws {
        let x = try testTensor([5, 2, 3, 3], device: device, seed: 87)
        let weight = try testTensor([2], device: device, seed: 88, low: 0.4, high: 0.6)
        let bias = try Tensor([4, -4], device: device)
        let check = try gradientCheck([x, weight, bias]) {
            try $0[0].batchNorm(weight: $0[1], bias: $0[2], runningMean: nil, runningVar: nil, training: true, relu: true)
        }
        #expect(check.worstError < 1e-2, "\(check)")
    }

    @Test(arguments: testDevices)
    func residualMatchesBatchNormPlusResidualThenReLU(device: Device) throws {
        for training in [true, false] {
            for relu in [true, false] {
                for shape: Shape in [[4, 3, 5, 5], [1, 2, 7, 3], [6, 4]] {
                    func run(fused: Bool) throws -> [[Float]] {
                        let channels = shape[1]
                        let x = try testTensor(shape, device: device, seed: 91, requiresGrad: true)
                        let residual = try testTensor(shape, device: device, seed: 92, requiresGrad: true)
                        let weight = try testTensor([channels], device: device, seed: 93, low: 0.5, high: 1.5, requiresGrad: true)
                        let bias = try testTensor([channels], device: device, seed: 94, requiresGrad: true)
                        let mean = try testTensor([channels], device: device, seed: 95, low: -0.2, high: 0.2)
                        let variance = try testTensor([channels], device: device, seed: 96, low: 0.5, high: 1.5)
                        let y: Tensor
                        if fused {
                            y = try x.batchNorm(
                                weight: weight, bias: bias, runningMean: mean, runningVar: variance, training: training,
                                residual: residual, relu: relu)
                        } else {
                            let sum =
                                try x.batchNorm(
                                    weight: weight, bias: bias, runningMean: mean, runningVar: variance, training: training)
                                + residual
                            y = relu ? try sum.relu() : sum
                        }
                        try y.backward(try testTensor(shape, device: device, seed: 97))
                        return [
                            try y.toArray(), try x.grad!.toArray(), try residual.grad!.toArray(), try weight.grad!.toArray(),
                            try bias.grad!.toArray(), try mean.toArray(), try variance.toArray(),
                        ]
                    }
                    let fused = try run(fused: true), composed = try run(fused: false)
                    let names = [
                        "output", "input gradient", "residual gradient", "weight gradient", "bias gradient", "running mean",
                        "running var",
                    ]
                    for ((a, b), name) in zip(zip(fused, composed), names) {
                        #expect(
                            allClose(a, b), "training \(training) relu \(relu) \(shape) \(name): \(maxAbsDifference(a, b))")
                    }
                }
            }
        }
    }

    /// As above, the biases keep channel 0's outputs positive and channel 1's negative despite the residual (in
    /// [-1, 1]), away from ReLU's kink.
    @Test(arguments: testDevices)
    func residualGradientsMatchFiniteDifferences(device: Device) throws {
        let x = try testTensor([5, 2, 3, 3], device: device, seed: 98)
        let residual = try testTensor([5, 2, 3, 3], device: device, seed: 99)
        let weight = try testTensor([2], device: device, seed: 100, low: 0.4, high: 0.6)
        let bias = try Tensor([5, -5], device: device)
        let check = try gradientCheck([x, weight, bias, residual]) {
            try $0[0].batchNorm(
                weight: $0[1], bias: $0[2], runningMean: nil, runningVar: nil, training: true, residual: $0[3], relu: true)
        }
        #expect(check.worstError < 1e-2, "\(check)")
    }

    @Test(arguments: testDevices)
    func residualOfAnotherShapeIsRejected(device: Device) throws {
        let x = try testTensor([4, 3, 2, 2], device: device), residual = try testTensor([4, 3, 4], device: device)
        #expect(throws: FoveaError.shapeMismatch(op: "batchNorm residual", [4, 3, 2, 2], [4, 3, 4])) {
            try x.batchNorm(weight: nil, bias: nil, runningMean: nil, runningVar: nil, training: true, residual: residual)
        }
    }
}
