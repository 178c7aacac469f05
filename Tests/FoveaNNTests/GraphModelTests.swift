import FoveaCore
import FoveaNN
import FoveaTestSupport
import Testing

/// Two inputs joined by a concatenation, two heads: a regression value and three class logits.
private func twoHeadedModel() throws -> GraphModel {
    let features = Input(shape: [4], name: "features"), extra = Input(shape: [3])
    let a = try ReLU()(Dense(outputs: 8)(features)), b = try Dense(outputs: 8)(extra)
    let joined = try Tanh()(concatenate([a, b]))
    return try GraphModel(
        inputs: [features, extra], outputs: [Dense(outputs: 1)(joined, name: "value"), Dense(outputs: 3)(joined)])
}

/// One Dense layer called twice (one set of weights) with a skip connection around both calls.
private func sharedLayerModel() throws -> (GraphModel, shared: Dense) {
    let x = Input(shape: [4]), shared = Dense(4, 4)
    let twice = try shared(Tanh()(shared(x)))
    return (try GraphModel(inputs: [x], outputs: [Dense(4, 1)(add([twice, x]))]), shared)
}

/// Mean of the losses of `steps` Adam steps taken by `loss` (first and last).
private func train(_ model: Module, steps: Int, _ loss: () throws -> Tensor) throws -> (first: Float, last: Float) {
    let optimizer = Adam(model.parameters, learningRate: 0.02)
    var losses: [Float] = []
    for _ in 0..<steps {
        optimizer.zeroGrad()
        let value = try loss()
        try value.backward()
        try optimizer.step()
        losses.append(try value.item())
    }
    return (losses[0], losses[steps - 1])
}

@Suite struct GraphModelTests {
    @Test(arguments: testDevices)
    func twoInputsAndTwoOutputsTrain(device: Device) throws {
        let model = try twoHeadedModel()
        try fillWeights(model, seed: 3)
        try model.to(device)
        #expect(model.namedChildren.map(\.0) == ["layer0", "layer1", "layer2", "layer3", "value", "layer5"])
        let features = try testTensor([8, 4], device: device, seed: 1), extra = try testTensor([8, 3], device: device, seed: 2)
        let values = try testTensor([8, 1], device: device, seed: 3)
        let labels = try Tensor(indices: (0..<8).map { $0 % 3 }, device: device)
        let (first, last) = try train(model, steps: 20) {
            let outputs = try model([features, extra])
            #expect(outputs.map(\.shape) == [[8, 1], [8, 3]])
            return try MSELoss()(outputs[0], values) + CrossEntropyLoss()(outputs[1], labels) * 0.5
        }
        #expect(last < first * 0.8, "loss \(first) -> \(last)")
        #expect(throws: FoveaError.self) { try model(features) }
        #expect(throws: FoveaError.self) { try model([extra, features]) }
    }

    @Test(arguments: testDevices)
    func sharedLayerIsOneSetOfWeightsAndTrains(device: Device) throws {
        let (model, shared) = try sharedLayerModel()
        try fillWeights(model, seed: 4)
        try model.to(device)
        #expect(model.namedParameters.map(\.0) == ["layer0.weight", "layer0.bias", "layer2.weight", "layer2.bias"])
        #expect(model.parameterCount == 20 + 5)
        #expect(try model.module(named: "layer0") === shared)
        // The unary forward fits a Sequential (and so Trainer).
        let wrapped = Sequential([model, Identity()])
        let x = try testTensor([16, 4], device: device, seed: 5)
        let target = try (x.sum(axes: [1], keepDims: true) * 0.5).detach()
        let (first, last) = try train(wrapped, steps: 30) { try MSELoss()(wrapped(x), target) }
        #expect(last < first * 0.8, "loss \(first) -> \(last)")
    }

    @Test(arguments: testDevices)
    func skipConnectionGradientsMatchFiniteDifferences(device: Device) throws {
        let x = Input(shape: [3]), first = Dense(3, 3)
        let model = try GraphModel(inputs: [x], outputs: [Dense(3, 2)(add([Tanh()(first(x)), x]))])
        try fillWeights(model, seed: 6)
        try model.to(device)
        let input = try testTensor([4, 3], device: device, seed: 7)
        let result = try gradientCheck([input] + model.parameters.map(\.value)) { try model($0[0]) }
        #expect(result.worstError < 1e-2, "\(result)")
    }

    @Test func mismatchedShapesFailWhenTheGraphIsBuilt() throws {
        let x = Input(shape: [3])
        let error = #expect(throws: FoveaError.self) { try Dense(4, 2)(x, name: "head") }
        let message = "\(error!)"
        #expect(
            message.contains("'head' (Dense)") && message.contains("[N, 3]") && message.contains("Dense(4 -> 2)"), "\(message)")

        let wide = try Dense(outputs: 4)(x)
        let sum = #expect(throws: FoveaError.self) { try add([wide, x]) }
        #expect("\(sum!)" == "add: shapes [N, 4] and [N, 3] differ")
        let images = Input(shape: [2, 3]), other = Input(shape: [4, 5])
        let joined = #expect(throws: FoveaError.self) { try concatenate([images, other]) }
        #expect("\(joined!)".contains("[N, 2, 3] and [N, 4, 5]"), "\(joined!)")
        #expect(throws: FoveaError.self) { try concatenate([images, images], axis: 0) }
    }

    @Test func graphsThatCannotBeModelsAreRefused() throws {
        let x = Input(shape: [3]), y = Input(shape: [3])
        let sum = try add([x, y])
        #expect(throws: FoveaError.self) { try GraphModel(inputs: [x], outputs: [sum]) }
        #expect(throws: FoveaError.self) { try GraphModel(inputs: [x, x, y], outputs: [sum]) }
        #expect(throws: FoveaError.self) { try GraphModel(inputs: [sum, x, y], outputs: [sum]) }
        #expect(try GraphModel(inputs: [x, y], outputs: [x]).summary().contains("input1 (Input)"))
        let dense = Dense(3, 3)
        let twice = try dense(dense(x, name: "a"), name: "b")
        #expect(throws: FoveaError.self) { try GraphModel(inputs: [x], outputs: [twice]) }
        let clash = try Dense(3, 3)(Dense(3, 3)(x, name: "same"), name: "same")
        #expect(throws: FoveaError.self) { try GraphModel(inputs: [x], outputs: [clash]) }
    }

    @Test(arguments: testDevices)
    func stateDictRoundTrip(device: Device) throws {
        let source = try twoHeadedModel(), copy = try twoHeadedModel()
        try fillWeights(source, seed: 8)
        try fillWeights(copy, seed: 9)
        try source.to(device)
        #expect(
            source.stateDict().map(\.0) == [
                "layer0.weight", "layer0.bias", "layer2.weight", "layer2.bias",
                "value.weight", "value.bias", "layer5.weight", "layer5.bias",
            ])
        try copy.loadStateDict(source.stateDict())
        let inputs = [try testTensor([2, 4], device: device, seed: 10), try testTensor([2, 3], device: device, seed: 11)]
        let expected = try source(inputs).map { try $0.toArray() }
        try copy.to(device)
        #expect(try copy(inputs).map { try $0.toArray() } == expected)
    }

    @Test func summaryListsEveryCallWithItsConnections() throws {
        let (model, _) = try sharedLayerModel()
        let rule = String(repeating: "─", count: 79)
        let expected = """
            Model: GraphModel
            \(rule)
            Layer (type)              Output Shape               Param #  Connected to
            \(rule)
            input0 (Input)            [N, 4]                           0
            layer0 (Dense)            [N, 4]                          20  input0
            layer1 (Tanh)             [N, 4]                           0  layer0
            layer0[1] (Dense)         [N, 4]                      shared  layer1
            add (Add)                 [N, 4]                           0  layer0[1], input0
            layer2 (Dense)            [N, 1]                           5  add
            \(rule)
            Total params: 25
            Trainable params: 25
            Non-trainable params: 0

            """
        #expect(model.summary() == expected, "\(model.summary())")
    }
}
