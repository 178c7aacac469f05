import FoveaCore
import FoveaNN
import FoveaTestSupport
import Testing

/// Each optimizer class against PyTorch's torch.optim on a 3-element parameter with hand-set gradients.
@Suite struct OptimizerTests {
    static let start: [Float] = [1, -2, 0.5]
    static let gradients: [[Float]] = [[0.1, -0.3, 0.2], [-0.2, 0.1, 0.4], [0.3, 0.3, -0.1]]

    /// The parameter after each of three steps, from torch.optim (same hyper-parameters, same gradients).
    static let cases: [(String, ([Parameter]) -> any Optimizer, [[Float]])] = [
        (
            "sgd", { SGD($0, learningRate: 0.1) },
            [[0.99, -1.97, 0.48], [1.01, -1.98, 0.44], [0.97999996, -2.01, 0.45]]
        ),
        (
            "sgd momentum", { SGD($0, learningRate: 0.1, momentum: 0.9) },
            [[0.99, -1.97, 0.48], [1.001, -1.9530001, 0.42199999], [0.98090005, -1.9677001, 0.37979999]]
        ),
        (
            "sgd momentum dampening", { SGD($0, learningRate: 0.1, momentum: 0.9, dampening: 0.5) },
            [[0.99, -1.97, 0.48], [0.991, -1.9480001, 0.442], [0.97689998, -1.9432001, 0.41280001]]
        ),
        (
            "sgd nesterov", { SGD($0, learningRate: 0.1, momentum: 0.9, nesterov: true) },
            [[0.98100001, -1.943, 0.46200001], [1.0109, -1.9376999, 0.36980000], [0.96281004, -1.9809300, 0.34182000]]
        ),
        (
            "sgd weight decay", { SGD($0, learningRate: 0.1, weightDecay: 0.1) },
            [[0.98000002, -1.95, 0.47499999], [0.99020004, -1.9405000, 0.43024999], [0.95029801, -1.9510950, 0.43594748]]
        ),
        (
            "sgd momentum weight decay", { SGD($0, learningRate: 0.1, momentum: 0.8, weightDecay: 0.1) },
            [[0.98000002, -1.95, 0.47499999], [0.97420001, -1.9005001, 0.41024998], [0.92981803, -1.8718951, 0.36434746]]
        ),
        (
            "adam", { Adam($0, learningRate: 0.1) },
            [[0.9, -1.9, 0.4], [0.93661034, -1.8599781, 0.30348179], [0.90228623, -1.8815323, 0.24462111]]
        ),
        (
            "adam betas eps weight decay", { Adam($0, learningRate: 0.1, beta1: 0.8, beta2: 0.9, eps: 1e-3, weightDecay: 0.1) },
            [[0.90049750, -1.9001997, 0.40039840], [0.88312900, -1.8226990, 0.30261949], [0.81777072, -1.7837046, 0.24057838]]
        ),
        (
            "adamw", { AdamW($0, learningRate: 0.1, weightDecay: 0.1) },
            [[0.89, -1.88, 0.39500001], [0.91771036, -1.8211781, 0.29453179], [0.87420917, -1.8245206, 0.23272581]]
        ),
        (
            "adamw default decay 0.01", { AdamW($0, learningRate: 0.1) },
            [[0.899, -1.898, 0.39950001], [0.93471134, -1.8560802, 0.30258229], [0.89945251, -1.8757783, 0.24341904]]
        ),
        (
            "adamw groups", { AdamW(groups: [ParameterGroup($0, learningRate: 0.1, weightDecay: 0.1)]) },
            [[0.89, -1.88, 0.39500001], [0.91771036, -1.8211781, 0.29453179], [0.87420917, -1.8245206, 0.23272581]]
        ),
        (
            "rmsprop", { RMSProp($0, learningRate: 0.01) },
            [[0.90000010, -1.9000001, 0.40000004], [0.98953235, -1.9317662, 0.31046775], [0.90918195, -2.0009360, 0.33241510]]
        ),
        (
            "rmsprop centered momentum decay",
            { RMSProp($0, learningRate: 0.01, alpha: 0.9, eps: 1e-3, momentum: 0.5, centered: true, weightDecay: 0.1) },
            [[0.96721309, -1.9668875, 0.46710527], [0.96581352, -1.9436163, 0.42009237], [0.93557650, -1.9392698, 0.40062070]]
        ),
        (
            "rmsprop groups", { RMSProp(groups: [ParameterGroup($0, learningRate: 0.01)]) },
            [[0.90000010, -1.9000001, 0.40000004], [0.98953235, -1.9317662, 0.31046775], [0.90918195, -2.0009360, 0.33241510]]
        ),
        (
            "adagrad", { Adagrad($0, learningRate: 0.1) },
            [[0.9, -1.9, 0.4], [0.98944271, -1.9316227, 0.31055725], [0.90926433, -2.0004475, 0.33237904]]
        ),
        (
            "adagrad decay", { Adagrad($0, learningRate: 0.1, learningRateDecay: 0.1, weightDecay: 0.1) },
            [[0.9, -1.9, 0.4], [0.94381076, -1.8838952, 0.32095850], [0.87168622, -1.9017763, 0.33204094]]
        ),
        (
            "adagrad groups",
            { Adagrad(groups: [ParameterGroup($0, learningRate: 0.1, weightDecay: 0.1)], learningRateDecay: 0.1) },
            [[0.9, -1.9, 0.4], [0.94381076, -1.8838952, 0.32095850], [0.87168622, -1.9017763, 0.33204094]]
        ),
    ]

    @Test(arguments: testDevices)
    func firstThreeStepsMatchPyTorch(device: Device) throws {
        for (name, make, expected) in Self.cases {
            let parameter = Parameter(try Tensor(Self.start, device: device))
            let optimizer = make([parameter])
            for (step, gradient) in Self.gradients.enumerated() {
                parameter.value.grad = try Tensor(gradient, device: device)
                try optimizer.step()
                let values = try parameter.value.toArray()
                #expect(
                    allClose(values, expected[step], atol: 2e-6, rtol: 1e-5),
                    "\(name) step \(step + 1): \(values) vs \(expected[step])")
            }
            #expect(optimizer.stepCount == 3)
        }
    }

    @Test(arguments: testDevices)
    func savedStateResumesTheSameTrajectory(device: Device) throws {
        for (name, make, expected) in Self.cases {
            let parameter = Parameter(try Tensor(Self.start, device: device))
            let first = make([parameter])
            for gradient in Self.gradients.prefix(2) {
                parameter.value.grad = try Tensor(gradient, device: device)
                try first.step()
            }
            let resumed = make([parameter])
            try resumed.loadState(Dictionary(uniqueKeysWithValues: first.stateTensors()), stepCount: first.stepCount)
            parameter.value.grad = try Tensor(Self.gradients[2], device: device)
            try resumed.step()
            #expect(allClose(try parameter.value.toArray(), expected[2], atol: 2e-6, rtol: 1e-5), "\(name)")
        }
    }

    @Test func stateFollowsAParameterMovedToAnotherDevice() throws {
        guard let openCL = testDevices.first(where: { $0 != .cpu }) else { return }
        for (name, make, expected) in Self.cases {
            let parameter = Parameter(try Tensor(Self.start))
            let optimizer = make([parameter])
            for (step, gradient) in Self.gradients.enumerated() {
                if step == 1 { parameter.value = try parameter.value.to(openCL) }
                parameter.value.grad = try Tensor(gradient, device: parameter.device)
                try optimizer.step()
            }
            #expect(allClose(try parameter.value.toArray(), expected[2], atol: 2e-6, rtol: 1e-5), "\(name)")
            #expect(optimizer.stateTensors().allSatisfy { $0.1.device == openCL }, "\(name)")
        }
    }

    @Test func nesterovNeedsMomentumWithoutDampening() throws {
        let parameter = Parameter(try Tensor([1]))
        parameter.value.grad = try Tensor([1])
        #expect(throws: FoveaError.self) { try SGD([parameter], learningRate: 0.1, nesterov: true).step() }
        #expect(throws: FoveaError.self) {
            try SGD([parameter], learningRate: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true).step()
        }
        #expect(try parameter.value.toArray() == [1])
    }

    /// The checks every optimizer inherits from `OptimizerBase` run before any kernel touches the parameter.
    @Test func everyOptimizerChecksGradientsAndRatesBeforeItsKernel() throws {
        for (name, make, _) in Self.cases {
            let parameter = Parameter(try Tensor(Self.start))
            let optimizer = make([parameter])
            #expect(optimizer is OptimizerBase, "\(name)")
            parameter.value.grad = try Tensor([1, 2])
            let mismatch = FoveaError.shapeMismatch(op: "\(type(of: optimizer)) step: gradient", [2], [3])
            #expect(throws: mismatch, "\(name)") { try optimizer.step() }
            parameter.value.grad = try Tensor([1, 2, 3])
            optimizer.learningRate = -0.1
            #expect(throws: FoveaError.self, "\(name)") { try optimizer.step() }
            optimizer.learningRate = .nan
            #expect(throws: FoveaError.self, "\(name)") { try optimizer.step() }
            #expect(try parameter.value.toArray() == Self.start && optimizer.stepCount == 0, "\(name)")
        }
        let parameter = Parameter(try Tensor([1]))
        parameter.value.grad = try Tensor([1])
        #expect(throws: FoveaError.self) { try Adam([parameter], beta1: 1).step() }
        #expect(throws: FoveaError.self) { try AdamW([parameter], beta2: -0.1).step() }
    }

    @Test(arguments: testDevices)
    func weightDecayOnWeightsButNotOnBiases(device: Device) throws {
        let layer = Dense(3, 2)
        try layer.to(device)
        let weight = try layer.weight.value.toArray(), bias = try layer.bias!.value.toArray()
        let optimizer = SGD(groups: [
            ParameterGroup([layer.weight], learningRate: 0.1, weightDecay: 0.5),
            ParameterGroup([layer.bias!], learningRate: 0.1),
        ])
        for _ in 0..<3 {
            for parameter in layer.parameters { parameter.value.grad = try Tensor.zeros(parameter.shape, device: device) }
            try optimizer.step()
        }
        // Zero gradients: only the decay moves the weights, by (1 - lr * decay) per step.
        #expect(allClose(try layer.weight.value.toArray(), weight.map { $0 * 0.95 * 0.95 * 0.95 }))
        #expect(try layer.bias!.value.toArray() == bias)
        optimizer.learningRate = 0.01
        #expect(optimizer.parameterGroups.map(\.learningRate) == [0.01, 0.01])
    }

    @Test(arguments: testDevices)
    func groupsHaveTheirOwnLearningRates(device: Device) throws {
        let a = Parameter(try Tensor([1, 1], device: device)), b = Parameter(try Tensor([1, 1], device: device))
        let optimizer = Adam(groups: [ParameterGroup([a], learningRate: 0.1), ParameterGroup([b], learningRate: 0.01)])
        a.value.grad = try Tensor([1, -1], device: device)
        b.value.grad = try Tensor([1, -1], device: device)
        try optimizer.step()
        // Adam's first step moves each element by the learning rate times the gradient's sign.
        #expect(allClose(try a.value.toArray(), [0.9, 1.1]))
        #expect(allClose(try b.value.toArray(), [0.99, 1.01]))
    }

    @Test(arguments: testDevices)
    func frozenLayersStayBitIdenticalAndGetNoGradient(device: Device) throws {
        let model = Sequential {
            Dense(4, 5); Tanh(); Dense(5, 3)
        }
        try model.to(device)
        let frozen = model.layers[0]
        frozen.freeze()
        #expect(frozen.parameters.allSatisfy { $0.isFrozen })
        #expect(!model.layers[2].parameters.contains { $0.isFrozen })
        let before = try frozen.parameters.map { try $0.value.toArray() }
        let head = try model.layers[2].parameters.map { try $0.value.toArray() }
        let optimizer = Adam(model.parameters, learningRate: 0.05, weightDecay: 0.1)
        let x = try testTensor([6, 4], device: device, seed: 3), y = try Tensor(indices: [0, 1, 2, 0, 1, 2], device: device)
        for _ in 0..<3 {
            optimizer.zeroGrad()
            try CrossEntropyLoss()(try model(x), y).backward()
            #expect(frozen.parameters.allSatisfy { $0.grad == nil })
            #expect(model.layers[2].parameters.allSatisfy { $0.grad != nil })
            try optimizer.step()
        }
        #expect(try frozen.parameters.map { try $0.value.toArray() } == before)
        #expect(try model.layers[2].parameters.map { try $0.value.toArray() } != head)
        let summary = try model.summary(inputShape: [4])
        #expect(summary.contains("Trainable params: 18") && summary.contains("Non-trainable params: 25"), "\(summary)")

        // A single frozen parameter; unfreezing brings the gradient back.
        let bias = model.layers[2].parameters[1]
        bias.isFrozen = true
        let frozenBias = try bias.value.toArray()
        optimizer.zeroGrad()
        try CrossEntropyLoss()(try model(x), y).backward()
        #expect(bias.grad == nil)
        try optimizer.step()
        #expect(try bias.value.toArray() == frozenBias)
        frozen.freeze(false)
        bias.isFrozen = false
        try CrossEntropyLoss()(try model(x), y).backward()
        #expect(model.parameters.allSatisfy { $0.grad != nil })
    }

    @Test(arguments: testDevices)
    func clipGradientNormScalesToMaxNorm(device: Device) throws {
        let a = Parameter(try Tensor([1, 1], device: device)), b = Parameter(try Tensor([1], device: device))
        a.value.grad = try Tensor([3, 4], device: device)
        b.value.grad = try Tensor([12], device: device)
        let norm = try clipGradientNorm([a, b], maxNorm: 6.5)
        #expect(abs(try norm!.item() - 13) < 1e-5)
        // Scaled by 6.5 / (13 + 1e-6), as PyTorch's clip_grad_norm_.
        #expect(allClose(try a.grad!.toArray(), [1.5, 2]))
        #expect(allClose(try b.grad!.toArray(), [6]))
        let unchanged = try clipGradientNorm([a, b], maxNorm: 100)
        #expect(abs(try unchanged!.item() - 6.5) < 1e-5)
        #expect(allClose(try a.grad!.toArray(), [1.5, 2]))
        #expect(try clipGradientNorm([Parameter(try Tensor([1], device: device))], maxNorm: 1) == nil)
    }
}
