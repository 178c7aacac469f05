import FoveaCore
import FoveaNN
import FoveaTestSupport
import Testing

/// Recurrent layers and Embedding: finite-difference gradients at awkward sizes, the backends agreeing, shapes,
/// errors, dropout between layers and an LSTM learning a toy task.
@Suite struct RecurrentTests {
    static let tolerance: Float = 1e-2

    /// Every output of `module` (output and final states) flattened into one tensor, for `gradientCheck`.
    static func allOutputs(_ module: Module, _ x: Tensor, _ state: [Tensor]) throws -> Tensor {
        let parts: [Tensor]
        switch module {
        case let lstm as LSTM:
            let (output, (h, c)) = try lstm(x, initialState: state.isEmpty ? nil : (state[0], state[1]))
            parts = [output, h, c]
        case let gru as GRU: let (output, h) = try gru(x, initialState: state.first); parts = [output, h]
        case let rnn as RNN: let (output, h) = try rnn(x, initialState: state.first); parts = [output, h]
        case let cell as LSTMCell:
            let (h, c) = try cell(x, state: state.isEmpty ? nil : (state[0], state[1]))
            parts = [h, c]
        case let cell as GRUCell: parts = [try cell(x, hidden: state.first)]
        case let cell as RNNCell: parts = [try cell(x, hidden: state.first)]
        default: parts = [try (module as! any UnaryLayer)(x)]
        }
        return try Tensor.concatenate(parts.map { try $0.flattened() })
    }

    /// (name, module, input shape, initial state shapes)
    static let gradientCases: [(String, () -> Module, Shape, [Shape])] = [
        ("LSTM batch 1, sequence 1, hidden 1", { LSTM(2, 1) }, [1, 1, 2], []),
        (
            "LSTM bidirectional two-layer batch first with state",
            { LSTM(2, 3, numLayers: 2, batchFirst: true, bidirectional: true) },
            [2, 3, 2], [[4, 2, 3], [4, 2, 3]]
        ),
        ("GRU bidirectional two-layer", { GRU(3, 2, numLayers: 2, bidirectional: true) }, [3, 2, 3], [[4, 2, 2]]),
        ("GRU hidden 1, unbatched, with state", { GRU(2, 1) }, [3, 2], [[1, 1]]),
        (
            "RNN tanh bidirectional two-layer batch first", { RNN(2, 3, numLayers: 2, batchFirst: true, bidirectional: true) },
            [1, 4, 2], []
        ),
        ("RNN tanh without bias, with state", { RNN(3, 2, bias: false) }, [2, 1, 3], [[1, 1, 2]]),
        ("LSTMCell batch 1 hidden 1 with state", { LSTMCell(3, 1) }, [1, 3], [[1, 1], [1, 1]]),
        ("GRUCell", { GRUCell(2, 3) }, [2, 2], [[2, 3]]),
        ("RNNCell unbatched", { RNNCell(2, 3) }, [2], []),
    ]

    @Test(arguments: gradientCases.indices, testDevices)
    func gradientsMatchFiniteDifferences(index: Int, device: Device) throws {
        let (name, make, inputShape, stateShapes) = Self.gradientCases[index]
        let module = make()
        for (offset, parameter) in module.parameters.enumerated() {
            try setValues(parameter, testValues(parameter.value.count, seed: 40 + UInt64(offset), low: -0.8, high: 0.8))
        }
        try module.to(device)
        let state = try stateShapes.enumerated().map { try testTensor($1, device: device, seed: 20 + UInt64($0)) }
        let input = try testTensor(inputShape, device: device, seed: 3)
        let inputs = [input] + state + module.parameters.map(\.value)
        let result = try gradientCheck(inputs) { inputs in
            try Self.allOutputs(module, inputs[0], Array(inputs[1..<(1 + state.count)]))
        }
        #expect(result.worstError < Self.tolerance, "\(name) on \(device): \(result)")
    }

    @Test(arguments: testDevices)
    func embeddingGradientMatchesFiniteDifferences(device: Device) throws {
        let embedding = Embedding(5, 2)
        try embedding.to(device)
        let ids = try Tensor(indices: [3, 0, 3, 4], device: device).reshaped(2, 2)
        let result = try gradientCheck([embedding.weight.value]) { _ in try embedding(ids) }
        #expect(result.worstError < Self.tolerance, "\(result)")
    }

    @Test func embeddingPaddingRowStartsAtZeroAndGetsNoGradient() throws {
        let embedding = Embedding(4, 3, paddingIndex: -1)
        #expect(embedding.paddingIndex == 3)
        #expect(try embedding.weight.value.toArray()[9...] == [0, 0, 0])
        try embedding(try Tensor(indices: [3, 1, 3])).sum().backward()
        let grad = try #require(embedding.weight.grad).toArray()
        #expect(grad == [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
        #expect(throws: FoveaError.self) { try embedding(try Tensor([0, 1])) }
    }

    @Test func cpuAndOpenCLAgree() throws {
        guard testDevices.count > 1 else { return }
        let results = try testDevices.map { device -> [Float] in
            let lstm = LSTM(5, 6, numLayers: 2, batchFirst: true, bidirectional: true, generator: Generator(seed: 3))
            try lstm.to(device)
            let x = try testTensor([3, 7, 5], device: device, seed: 8, requiresGrad: true)
            let (output, (h, c)) = try lstm(x, initialState: nil)
            try (output.square().sum() + h.sum() + c.sum()).backward()
            return try output.toArray() + h.toArray() + c.toArray() + #require(x.grad).toArray()
                + lstm.parameters.flatMap { try #require($0.grad).toArray() }
        }
        #expect(maxAbsDifference(results[0], results[1]) < 1e-4)
    }

    @Test func shapesFollowPyTorch() throws {
        let gru = GRU(3, 4, numLayers: 3, batchFirst: true, bidirectional: true)
        let (output, h) = try gru(try Tensor.zeros([2, 5, 3]), initialState: nil)
        #expect(output.shape == [2, 5, 8] && h.shape == [6, 2, 4])
        let (unbatched, (hN, cN)) = try LSTM(3, 4)(try Tensor.zeros([5, 3]), initialState: nil)
        #expect(unbatched.shape == [5, 4] && hN.shape == [1, 4] && cN.shape == [1, 4])
        #expect(try RNN(3, 2)(try Tensor.zeros([5, 2, 3])).shape == [5, 2, 2])
    }

    @Test func wrongShapesThrow() {
        #expect(throws: FoveaError.self) { try LSTM(3, 4)(try Tensor.zeros([5, 2, 2])) }
        #expect(throws: FoveaError.self) {
            try GRU(3, 4)(try Tensor.zeros([5, 2, 3]), initialState: try Tensor.zeros([1, 3, 4]))
        }
        #expect(throws: FoveaError.self) {
            try LSTMCell(3, 4)(try Tensor.zeros([2, 3]), state: (try Tensor.zeros([2, 4]), try Tensor.zeros([1, 4])))
        }
    }

    @Test func dropoutActsBetweenLayersInTrainingOnly() throws {
        let lstm = LSTM(2, 3, numLayers: 2, dropout: 0.5, generator: Generator(seed: 1))
        let x = try testTensor([4, 2, 2], device: .cpu, seed: 2)
        let first = try lstm(x).toArray(), second = try lstm(x).toArray()
        #expect(first != second)
        lstm.eval()
        #expect(try lstm(x).toArray() == lstm(x).toArray())
    }

    @Test func zooBuildsRecurrentModels() throws {
        let forecaster = try #require(try Models.make("lstm", inputShape: [24, 1], classes: 1, hidden: [8]) as? RecurrentModel)
        #expect(forecaster.residual && forecaster.stateDict().map(\.0).contains("rnn.weight_hh_l0"))
        let x = try testTensor([3, 24, 1], device: .cpu, seed: 4)
        #expect(try forecaster(x).shape == [3, 1])
        let classifier = try #require(try Models.make("gru", inputShape: [5, 3], classes: 4, hidden: [6]) as? RecurrentModel)
        let logits = try classifier(try Tensor.zeros([2, 5, 3]))
        #expect(!classifier.residual && logits.shape == [2, 4])
        #expect(throws: FoveaError.self) { try Models.make("rnn", inputShape: [1, 28, 28], classes: 10) }
        #expect(throws: FoveaError.self) {
            try RecurrentModel(kind: "lstm", inputFeatures: 2, hiddenSize: 4, outputs: 1, residual: true)
        }
        let text = try #require(
            try Models.make("lstm-text", inputShape: [7], classes: 2, hidden: [5], vocabulary: 30) as? TextClassifier)
        let ids = try Tensor([0, 0, 4, 9, 0, 2, 29, 1, 3, 3, 7, 8, 11, 0], shape: [2, 7])
        let scores = try text(ids)
        try scores.sum().backward()
        #expect(scores.shape == [2, 2] && text.embedding.paddingIndex == 0)
        #expect(try #require(text.embedding.weight.grad).toArray().prefix(64).allSatisfy { $0 == 0 })
        #expect(throws: FoveaError.self) { try Models.make("lstm-text", inputShape: [7], classes: 2, hidden: [5]) }
        let characters = try #require(try Models.make("char-lstm", inputShape: [5], classes: 9, hidden: [4]) as? TextClassifier)
        #expect(characters.embedding.paddingIndex == nil && characters.embedding.weight.value.shape == [9, 64])
        #expect(try characters(try Tensor.zeros([3, 5])).shape == [3, 9])
        #expect(throws: FoveaError.self) { try Models.make("char-lstm", inputShape: [5], classes: 1, hidden: [4]) }
    }

    /// Sum of a sequence of 6 values in [-1, 1]: the LSTM's last output, through a Dense layer.
    final class SequenceSum: Module, UnaryLayer {
        let lstm = LSTM(1, 12, batchFirst: true, generator: Generator(seed: 5))
        let head = Dense(12, 1, generator: Generator(seed: 6))
        func forward(_ input: Tensor) throws -> Tensor {
            let output = try lstm(input)
            return try head(output.slice(axis: 1, start: input.shape[1] - 1, count: 1).reshaped(-1, 12))
        }
    }

    @Test func lstmLearnsTheSumOfASequence() throws {
        let model = SequenceSum()
        let optimizer = Adam(model.parameters, learningRate: 0.02)
        var loss = Float.infinity
        for step in 0..<300 {
            let values = testValues(32 * 6, seed: 100 + UInt64(step))
            let sums = (0..<32).map { row in values[row * 6..<(row + 1) * 6].reduce(0, +) }
            let x = try Tensor(values, shape: [32, 6, 1]), y = try Tensor(sums, shape: [32, 1])
            optimizer.zeroGrad()
            let value = try MSELoss()(try model(x), y)
            try value.backward()
            try optimizer.step()
            loss = try value.item()
        }
        #expect(loss < 0.02, "final MSE \(loss) (the sums' variance is 2)")
    }
}
