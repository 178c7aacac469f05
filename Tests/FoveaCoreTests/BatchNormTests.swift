import FoveaCore
import FoveaTestSupport
import Testing

@Suite struct BatchNormTests {
    /// [N=2, C=2, H=1, W=2]: channel 0 holds 1, 2, 3, 4 and channel 1 holds 10, 20, 30, 40.
    func handInput(_ device: Device) throws -> Tensor {
        try Tensor([1, 2, 10, 20, 3, 4, 30, 40], shape: [2, 2, 1, 2], device: device)
    }

    @Test(arguments: testDevices)
    func trainingNormalizesWithBatchStatisticsAndUpdatesRunningStatistics(device: Device) throws {
        let runningMean = try Tensor.zeros([2], device: device), runningVar = try Tensor.ones([2], device: device)
        // Without affine parameters, channel [1, 2, 3, 4] (mean 2.5, biased var 1.25) becomes (x - 2.5) / sqrt(1.25 + 1e-5).
        let plain = try handInput(device).batchNorm(weight: nil, bias: nil, runningMean: nil, runningVar: nil, training: true)
        let root = (Float(1.25) + 1e-5).squareRoot()
        let expectedChannel0 = [-1.5, -0.5, 0.5, 1.5].map { Float($0) / root }
        let values = try plain.toArray()
        #expect(allClose([values[0], values[1], values[4], values[5]], expectedChannel0))
        let y = try handInput(device).batchNorm(
            weight: try Tensor([2, 0.5], device: device), bias: try Tensor([1, -1], device: device),
            runningMean: runningMean, runningVar: runningVar, training: true)
        #expect(
            allClose(
                try y.toArray(), [-1.6832708, 0.10557639, -1.6708204, -1.2236068, 1.8944236, 3.683271, -0.77639323, -0.32917964]))
        // running = 0.9 * running + 0.1 * batch value, the variance unbiased: 5/3 and 500/3.
        #expect(allClose(try runningMean.toArray(), [0.25, 2.5]))
        #expect(allClose(try runningVar.toArray(), [1.0666667, 17.566667]))
    }

    @Test(arguments: testDevices)
    func evaluationUsesRunningStatistics(device: Device) throws {
        let runningMean = try Tensor([0.25, 2.5], device: device),
            runningVar = try Tensor([1.0666667, 17.566667], device: device)
        let y = try handInput(device).batchNorm(
            weight: try Tensor([2, 0.5], device: device), bias: try Tensor([1, -1], device: device),
            runningMean: runningMean, runningVar: runningVar, training: false)
        #expect(
            allClose(try y.toArray(), [2.452362, 4.3888445, -0.10528141, 1.0876768, 6.325327, 8.261809, 2.2806349, 3.473593]))
        #expect(try runningMean.toArray() == [0.25, 2.5])
        #expect(try runningVar.toArray() == [1.0666667, 17.566667])
    }

    @Test(arguments: testDevices)
    func gradientsInTrainingMode(device: Device) throws {
        for shape: Shape in [[3, 2, 2, 3], [7, 3]] {
            let c = shape[1]
            let x = try testTensor(shape, device: device, seed: 1)
            let weight = try testTensor([c], device: device, seed: 2, low: 0.5, high: 1.5)
            let bias = try testTensor([c], device: device, seed: 3)
            let runningMean = try Tensor.zeros([c], device: device), runningVar = try Tensor.ones([c], device: device)
            let check = try gradientCheck([x, weight, bias]) { t in
                try t[0].batchNorm(weight: t[1], bias: t[2], runningMean: runningMean, runningVar: runningVar, training: true)
            }
            #expect(check.worstError < 1e-2, "\(shape): \(check)")
        }
    }

    @Test(arguments: testDevices)
    func gradientsInEvaluationMode(device: Device) throws {
        let x = try testTensor([2, 3, 2, 2], device: device, seed: 4)
        let weight = try testTensor([3], device: device, seed: 5, low: 0.5, high: 1.5)
        let bias = try testTensor([3], device: device, seed: 6)
        let runningMean = try testTensor([3], device: device, seed: 7)
        let runningVar = try testTensor([3], device: device, seed: 8, low: 0.5, high: 2)
        let check = try gradientCheck([x, weight, bias]) { t in
            try t[0].batchNorm(weight: t[1], bias: t[2], runningMean: runningMean, runningVar: runningVar, training: false)
        }
        #expect(check.worstError < 1e-2, "\(check)")
        // Without weight and bias only the input gets a gradient.
        let plain = try gradientCheck([x]) { t in
            try t[0].batchNorm(weight: nil, bias: nil, runningMean: runningMean, runningVar: runningVar, training: false)
        }
        #expect(plain.worstError < 1e-2, "\(plain)")
    }

    @Test func backendsAgreeAtAwkwardShapes() throws {
        guard testDevices.count > 1 else { return }
        for (index, shape) in ([[1, 16, 3, 5], [7, 3], [7, 1, 2, 2], [2, 3, 17, 19], [5, 4, 9]] as [Shape]).enumerated() {
            for training in [true, false] {
                let seed = UInt64(10 * index)
                let results = try testDevices.map { device -> [[Float]] in
                    let c = shape[1]
                    let x = try testTensor(shape, device: device, seed: seed, low: -3, high: 5, requiresGrad: true)
                    let weight = try testTensor([c], device: device, seed: seed + 1, requiresGrad: true)
                    let bias = try testTensor([c], device: device, seed: seed + 2, requiresGrad: true)
                    let runningMean = try testTensor([c], device: device, seed: seed + 3)
                    let runningVar = try testTensor([c], device: device, seed: seed + 4, low: 0.5, high: 2)
                    let y = try x.batchNorm(
                        weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar,
                        training: training, momentum: 0.3)
                    try y.backward(try testTensor(shape, device: device, seed: seed + 5))
                    return try [y, runningMean, runningVar, x.grad!, weight.grad!, bias.grad!].map { try $0.toArray() }
                }
                for (cpu, opencl) in zip(results[0], results[1]) {
                    #expect(
                        allClose(opencl, cpu, atol: 1e-4, rtol: 1e-3),
                        "\(shape) training \(training): \(maxAbsDifference(opencl, cpu))")
                }
            }
        }
    }

    @Test(arguments: testDevices)
    func rejectsBadArguments(device: Device) throws {
        let x = try testTensor([1, 3], device: device)
        #expect(throws: FoveaError.self) {
            try x.batchNorm(weight: nil, bias: nil, runningMean: nil, runningVar: nil, training: true)
        }
        let y = try testTensor([4, 3], device: device)
        let wrong = try Tensor.ones([2], device: device)
        #expect(throws: FoveaError.shapeMismatch(op: "batchNorm weight", [3], [2])) {
            try y.batchNorm(weight: wrong, bias: nil, runningMean: nil, runningVar: nil, training: true)
        }
        #expect(throws: FoveaError.self) {
            try y.batchNorm(
                weight: nil, bias: nil, runningMean: try Tensor.zeros([3], device: device), runningVar: nil, training: true)
        }
        #expect(throws: FoveaError.self) {
            try testTensor([4], device: device).batchNorm(
                weight: nil, bias: nil, runningMean: nil, runningVar: nil, training: true)
        }
    }
}
