import FoveaCore
import FoveaNN
import FoveaTestSupport
import Testing

/// The loss modules against values from PyTorch, their gradients against finite differences, and the penalties.
@Suite struct LossModuleTests {
    func output(_ device: Device) throws -> Tensor {
        try Tensor([0.5, -1.2, 2.0, 3.0, 0.1, -0.4], shape: [2, 3], device: device)
    }
    func target(_ device: Device) throws -> Tensor {
        try Tensor([1.0, -1.0, 0.5, 0.0, 0.3, -2.0], shape: [2, 3], device: device)
    }
    func logits(_ device: Device) throws -> Tensor {
        try Tensor([1, 2, 0.5, -1, 0.3, -0.2, 1.5, 0, 2, 1, 0.1, 0.4], shape: [3, 4], device: device)
    }

    @Test(arguments: testDevices)
    func regressionLossesMatchPyTorch(device: Device) throws {
        // torch.nn.MSELoss / L1Loss / HuberLoss()(o, t) and HuberLoss(delta=0.5).
        let cases: [(String, any Loss, Float)] = [
            ("mse", MSELoss(), 2.3566668), ("l1", L1Loss(), 1.1666666),
            ("huber", HuberLoss(), 0.79416662), ("huber 0.5", HuberLoss(delta: 0.5), 0.47333336),
        ]
        for (name, loss, expected) in cases {
            let value = try loss(try output(device), try target(device))
            #expect(value.shape == [])
            #expect(abs(try value.item() - expected) < 1e-5, "\(name)")
            let result = try gradientCheck([try output(device), try target(device)]) { try loss($0[0], $0[1]) }
            #expect(result.worstError < 1e-2, "\(name): \(result)")
            #expect(throws: FoveaError.self) { try loss(try output(device), try Tensor.zeros([3, 2], device: device)) }
        }
    }

    @Test(arguments: testDevices)
    func binaryCrossEntropyWithLogitsIsStableAndMatchesPyTorch(device: Device) throws {
        let targets = try Tensor([1, 0, 1, 0, 1, 0.25], shape: [2, 3], device: device)
        let loss = BCEWithLogitsLoss()
        #expect(abs(try loss(try output(device), targets).item() - 0.86171442) < 1e-5)
        // Logits of +-100 would overflow a naive log(sigmoid(x)).
        let extreme = try Tensor([0.5, -1.2, 2.0, 100, -100, -0.4], shape: [2, 3], device: device)
        #expect(abs(try loss(extreme, targets).item() - 33.579548) < 1e-3)
        let result = try gradientCheck([try output(device)]) { try loss($0[0], targets) }
        #expect(result.worstError < 1e-2, "\(result)")
    }

    @Test(arguments: testDevices)
    func classificationLossesMatchPyTorch(device: Device) throws {
        let targets = try Tensor(indices: [3, 0, 1], device: device)
        let weights = try Tensor([0.5, 1, 2, 1.5], device: device)
        let cases: [(String, any Loss, Float)] = [
            ("cross-entropy", CrossEntropyLoss(), 2.2572889),
            ("weighted, smoothed cross-entropy", CrossEntropyLoss(classWeights: weights, labelSmoothing: 0.2), 2.5007122),
        ]
        for (name, loss, expected) in cases {
            #expect(abs(try loss(try logits(device), targets).item() - expected) < 1e-5, "\(name)")
            let result = try gradientCheck([try logits(device)]) { try loss($0[0], targets) }
            #expect(result.worstError < 1e-2, "\(name): \(result)")
        }
        let nll = NLLLoss(classWeights: weights)
        let logProbabilities = try logits(device).logSoftmax(axis: 1)
        #expect(abs(try nll(logProbabilities, targets).item() - 2.5506957) < 1e-5)
        let result = try gradientCheck([try logits(device)]) { try nll($0[0].logSoftmax(axis: 1), targets) }
        #expect(result.worstError < 1e-2, "nll: \(result)")
    }

    @Test(arguments: testDevices)
    func penaltiesSumOverParametersWithTheirGradients(device: Device) throws {
        let a = Parameter(try Tensor([3, -4], device: device)),
            b = Parameter(try Tensor([-1, 2, 0.5, -0.5], shape: [2, 2], device: device))
        let l1 = try Penalty.l1([a, b], lambda: 0.1)
        #expect(abs(try l1.item() - 0.1 * 11) < 1e-6)
        try l1.backward()
        #expect(allClose(try a.grad!.toArray(), [0.1, -0.1]))
        #expect(allClose(try b.grad!.toArray(), [-0.1, 0.1, 0.1, -0.1]))
        a.value.grad = nil; b.value.grad = nil
        let l2 = try Penalty.l2([a, b], lambda: 0.01)
        #expect(abs(try l2.item() - 0.01 * 30.5) < 1e-6)
        try l2.backward()
        #expect(allClose(try a.grad!.toArray(), [0.06, -0.08]))
        #expect(allClose(try b.grad!.toArray(), [-0.02, 0.04, 0.01, -0.01]))
        #expect(throws: FoveaError.self) { try Penalty.l2([], lambda: 1) }
    }
}
