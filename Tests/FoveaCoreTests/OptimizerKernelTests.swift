import FoveaCore
import FoveaTestSupport
import Testing

/// Three steps from param [1, -2, 0.5] with fixed gradients, against PyTorch's update rules computed by hand (in Float64).
@Suite struct OptimizerKernelTests {
    static let gradients: [[Float]] = [[0.1, -0.2, 0.3], [-0.4, 0.5, 0.2], [0.3, 0.1, -0.6]]

    /// Runs `update(param, grad, step)` for steps 1...3 and checks the parameter after each.
    func expectSteps(
        _ device: Device, _ expected: [[Float]], _ label: String,
        _ update: (Tensor, Tensor, Int) throws -> Void
    ) throws {
        let param = try Tensor([1, -2, 0.5], device: device)
        for (index, gradient) in Self.gradients.enumerated() {
            try update(param, try Tensor(gradient, device: device), index + 1)
            let values = try param.toArray()
            #expect(
                allClose(values, expected[index], atol: 1e-6, rtol: 1e-5),
                "\(label) step \(index + 1): \(values) vs \(expected[index])")
        }
    }

    func zeros(_ device: Device) throws -> Tensor { try Tensor.zeros([3], device: device) }

    @Test(arguments: testDevices)
    func sgd(device: Device) throws {
        try expectSteps(device, [[0.99, -1.98, 0.47], [1.03, -2.03, 0.45], [1, -2.04, 0.51]], "plain") { p, g, step in
            try OptimizerKernels.sgd(param: p, grad: g, momentumBuffer: nil, lr: 0.1, isFirstStep: step == 1)
        }
        let buffer = try zeros(device)
        try expectSteps(
            device, [[0.989, -1.978, 0.4695], [1.0142099, -2.0014198, 0.42362745], [1.008986, -2.0296963, 0.43596089]],
            "momentum"
        ) { p, g, step in
            try OptimizerKernels.sgd(
                param: p, grad: g, momentumBuffer: buffer, lr: 0.1, momentum: 0.9, dampening: 0.1,
                weightDecay: 0.01, isFirstStep: step == 1)
        }
        let nesterovBuffer = try zeros(device)
        try expectSteps(
            device, [[0.9791, -1.9582, 0.44205], [1.0443297, -2.0316594, 0.37850511], [1.0089334, -2.0696751, 0.45299338]],
            "nesterov"
        ) { p, g, step in
            try OptimizerKernels.sgd(
                param: p, grad: g, momentumBuffer: nesterovBuffer, lr: 0.1, momentum: 0.9,
                weightDecay: 0.01, nesterov: true, isFirstStep: step == 1)
        }
    }

    @Test(arguments: testDevices)
    func adam(device: Device) throws {
        let expected: [(Float, Bool, [[Float]])] = [
            (0, false, [[0.9, -1.9, 0.4], [0.95595036, -1.9442215, 0.30296479], [0.95331853, -1.9894992, 0.31912128]]),
            (0.1, false, [[0.9, -1.9, 0.4], [0.92622593, -1.8926455, 0.30264985], [0.89353459, -1.8759415, 0.3089673]]),
            (0.1, true, [[0.89, -1.88, 0.395], [0.93705036, -1.9054215, 0.29401479], [0.92504803, -1.931645, 0.30723113]]),
        ]
        for (weightDecay, decoupled, values) in expected {
            let m = try zeros(device), v = try zeros(device)
            try expectSteps(device, values, decoupled ? "AdamW" : "Adam wd \(weightDecay)") { p, g, step in
                try OptimizerKernels.adam(
                    param: p, grad: g, m: m, v: v, lr: 0.1, weightDecay: weightDecay, decoupled: decoupled, step: step)
            }
        }
    }

    @Test(arguments: testDevices)
    func rmsprop(device: Device) throws {
        let squareAvg = try zeros(device)
        try expectSteps(
            device, [[0.9, -1.9, 0.4], [0.99704287, -1.9929118, 0.34433701], [0.93800344, -2.0112703, 0.43024357]],
            "plain"
        ) { p, g, _ in
            try OptimizerKernels.rmsprop(param: p, grad: g, squareAvg: squareAvg, lr: 0.01)
        }
        let square = try zeros(device), average = try zeros(device), buffer = try zeros(device)
        try expectSteps(
            device,
            [
                [0.89949627, -1.8994962, 0.39949625], [0.89323925, -1.8705074, 0.25175129],
                [0.81470289, -1.8273213, 0.19947155],
            ], "centered momentum"
        ) { p, g, _ in
            try OptimizerKernels.rmsprop(
                param: p, grad: g, squareAvg: square, gradAvg: average, momentumBuffer: buffer,
                lr: 0.01, weightDecay: 0.1, momentum: 0.9)
        }
    }

    @Test(arguments: testDevices)
    func adagrad(device: Device) throws {
        let sum = try zeros(device)
        try expectSteps(
            device, [[0.9, -1.9, 0.4], [0.99701425, -1.9928477, 0.34452998], [0.93817941, -2.0111051, 0.43024427]],
            "plain"
        ) { p, g, _ in
            try OptimizerKernels.adagrad(param: p, grad: g, sum: sum, lr: 0.1)
        }
        let decayed = try zeros(device)
        try expectSteps(
            device, [[0.9, -1.9, 0.4], [0.98319769, -1.9606507, 0.34400709], [0.91126962, -1.9423666, 0.42242632]],
            "decay"
        ) { p, g, step in
            try OptimizerKernels.adagrad(param: p, grad: g, sum: decayed, lr: 0.1, weightDecay: 0.1, lrDecay: 0.01, step: step)
        }
    }

    @Test(arguments: testDevices)
    func clipsGradientsByTheirTotalNorm(device: Device) throws {
        // |[3, 4, 12]| = 13: clipping to 6.5 halves every gradient; to 100 leaves them alone.
        let a = try Tensor([3, 4], device: device), b = try Tensor([12], device: device)
        let sumOfSquares = try Tensor.zeros([1], device: device)
        for gradient in [a, b] { try OptimizerKernels.addSumOfSquares(gradient, into: sumOfSquares) }
        #expect(try sumOfSquares.item() == 169)
        for gradient in [a, b] { try OptimizerKernels.clipToNorm(gradient, sumOfSquares: sumOfSquares, maxNorm: 100) }
        #expect(try a.toArray() == [3, 4])
        for gradient in [a, b] { try OptimizerKernels.clipToNorm(gradient, sumOfSquares: sumOfSquares, maxNorm: 6.5) }
        #expect(allClose(try a.toArray() + b.toArray(), [1.5, 2, 6]))
        // A reduction longer than a work-group.
        let values = testValues(1001, seed: 4)
        let total = try Tensor.zeros([1], device: device)
        try OptimizerKernels.addSumOfSquares(try Tensor(values, device: device), into: total)
        let expected = values.reduce(0.0) { $0 + Double($1) * Double($1) }
        #expect(abs(Double(try total.item()) - expected) < 1e-3)
    }

    @Test func backendsAgreeOnLongTensors() throws {
        guard testDevices.count > 1 else { return }
        let results = try testDevices.map { device -> [Float] in
            let p = try testTensor([7, 131], device: device, seed: 1), g = try testTensor([7, 131], device: device, seed: 2)
            let m = try Tensor.zeros([7, 131], device: device), v = try Tensor.zeros([7, 131], device: device)
            for step in 1...3 {
                try OptimizerKernels.adam(param: p, grad: g, m: m, v: v, lr: 0.01, weightDecay: 0.01, decoupled: true, step: step)
                try OptimizerKernels.sgd(param: p, grad: g, momentumBuffer: m, lr: 0.1, momentum: 0.5, isFirstStep: false)
            }
            return try p.toArray() + m.toArray() + v.toArray()
        }
        #expect(allClose(results[1], results[0], atol: 1e-5, rtol: 1e-4), "\(maxAbsDifference(results[1], results[0]))")
    }

    @Test(arguments: testDevices)
    func rejectsBadArguments(device: Device) throws {
        let p = try zeros(device), g = try zeros(device), state = try zeros(device), long = try Tensor.zeros([4], device: device)
        #expect(throws: FoveaError.self) {
            try OptimizerKernels.sgd(param: p, grad: g, momentumBuffer: nil, lr: 0.1, momentum: 0.9, isFirstStep: true)
        }
        #expect(throws: FoveaError.shapeMismatch(op: "sgd", [3], [4])) {
            try OptimizerKernels.sgd(param: p, grad: long, momentumBuffer: nil, lr: 0.1, isFirstStep: true)
        }
        #expect(throws: FoveaError.self) { try OptimizerKernels.adam(param: p, grad: g, m: state, v: state, lr: 0.1, step: 0) }
        #expect(throws: FoveaError.self) { try OptimizerKernels.rmsprop(param: p, grad: g, squareAvg: try zeros(device), lr: -1) }
        #expect(throws: FoveaError.self) { try OptimizerKernels.clipToNorm(g, sumOfSquares: try zeros(device), maxNorm: 1) }
    }
}
