import FoveaCore
import FoveaNN
import FoveaTestSupport
import Testing

/// Recurrent layers over padded sequences with their lengths: each sequence as if run alone (zeros past its end, its
/// own final state, the reverse direction starting at its last element), finite-difference gradients, errors, and
/// masked mean and max pooling over time. PyTorch parity is in `RecurrentParityTests` (the `_packed` cases).
@Suite struct PaddedSequenceTests {
    static let lengths = [5, 2, 3]

    /// Output and final states of an LSTM or a GRU.
    static func run(_ module: RecurrentNetwork, _ x: Tensor, lengths: [Int]?) throws -> (output: Tensor, state: [Tensor]) {
        switch module {
        case let lstm as LSTM:
            let (output, state) = try lstm(x, initialState: nil, lengths: lengths.map { try Tensor(indices: $0) })
            return (output, [state.h, state.c])
        case let gru as GRU:
            let (output, h) = try gru(x, initialState: nil, lengths: lengths.map { try Tensor(indices: $0) })
            return (output, [h])
        default: fatalError("not a test network: \(module)")
        }
    }

    @Test(arguments: ["lstm", "gru"], testDevices)
    func aPaddedBatchGivesWhatEachSequenceGivesAlone(kind: String, device: Device) throws {
        let generator = Generator(seed: 7)
        let module: RecurrentNetwork =
            kind == "lstm"
            ? LSTM(2, 3, numLayers: 2, batchFirst: true, bidirectional: true, generator: generator)
            : GRU(2, 3, numLayers: 2, batchFirst: true, bidirectional: true, generator: generator)
        try module.to(device)
        let x = try testTensor([3, 5, 2], device: device, seed: 4)
        let (output, state) = try Self.run(module, x, lengths: Self.lengths)
        let padded = try output.toArray(), finals = try state.map { try $0.toArray() }
        for (b, length) in Self.lengths.enumerated() {
            let alone = try Self.run(
                module, x.slice(axis: 0, start: b, count: 1).slice(axis: 1, start: 0, count: length), lengths: nil)
            let values = try alone.output.toArray()
            for t in 0..<5 {
                let got = Array(padded[(b * 5 + t) * 6..<(b * 5 + t + 1) * 6])
                let expected = t < length ? Array(values[t * 6..<(t + 1) * 6]) : [Float](repeating: 0, count: 6)
                #expect(allClose(got, expected, atol: 1e-5), "\(kind) sequence \(b) step \(t)")
            }
            // h_n [4, batch, 3]: each layer and direction's final state of sequence b.
            for (k, final) in alone.state.enumerated() {
                var got: [Float] = []
                for index in 0..<4 { got += finals[k][(index * 3 + b) * 3..<(index * 3 + b + 1) * 3] }
                #expect(allClose(got, try final.toArray(), atol: 1e-5), "\(kind) sequence \(b) final state \(k)")
            }
        }
    }

    @Test(arguments: testDevices)
    func paddedGradientsMatchFiniteDifferences(device: Device) throws {
        for module in [
            LSTM(2, 2, numLayers: 2, bidirectional: true, generator: Generator(seed: 1)) as RecurrentNetwork,
            GRU(1, 2, bidirectional: true, generator: Generator(seed: 2)),
        ] {
            try module.to(device)
            let x = try testTensor([3, 2, module.inputSize], device: device, seed: 5)
            let result = try gradientCheck([x] + module.parameters.map(\.value)) { inputs in
                let (output, state) = try Self.run(module, inputs[0], lengths: [1, 3])
                return try Tensor.concatenate(([output] + state).map { try $0.flattened() })
            }
            #expect(result.worstError < 1e-2, "\(module.typeName) on \(device): \(result)")
        }
    }

    /// Calls with initial states or lengths are calls of the layer too: its forward hooks see (and may replace) their
    /// output sequence, and a summary of a model calling it so lists it.
    @Test func hooksSeeCallsWithStatesAndLengths() throws {
        let lstm = LSTM(3, 4, batchFirst: true), gru = GRU(3, 4, batchFirst: true)
        var seen: [String] = []
        let hooks = [
            lstm.registerForwardHook { module, _, output in
                seen.append("\(module.typeName) \(output.shape)")
                return try output * 0
            },
            gru.registerForwardHook { module, _, output in
                seen.append("\(module.typeName) \(output.shape)")
                return nil
            },
        ]
        let x = try testTensor([2, 5, 3], device: .cpu, seed: 4)
        let h = try Tensor.zeros([1, 2, 4])
        let replaced = try lstm(x, initialState: (h, h), lengths: [5, 2]).output
        _ = try gru(x, initialState: h)
        _ = try lstm(x)
        #expect(seen == ["LSTM [2, 5, 4]", "GRU [2, 5, 4]", "LSTM [2, 5, 4]"])
        #expect(try replaced.toArray().allSatisfy { $0 == 0 })
        for hook in hooks { hook.remove() }
        let text = try TextClassifier(vocabulary: 10, embeddingSize: 3, hiddenSize: 4, classes: 2).summary(inputShape: [6])
        #expect(text.contains("lstm (LSTM)"), "\(text)")
    }

    @Test func badLengthsThrowOneLineErrors() throws {
        let lstm = LSTM(2, 3)
        #expect(
            throws: FoveaError.invalidArgument("recurrent lstm: sequence length 6 is outside 1...5 (the padded sequence's steps)")
        ) {
            try lstm(try Tensor.zeros([5, 2, 2]), lengths: [6, 1])
        }
        #expect(throws: FoveaError.invalidArgument("recurrent lstm: lengths of shape [3] are not one per sequence [2]")) {
            try lstm(try Tensor.zeros([5, 2, 2]), lengths: [1, 2, 3])
        }
        #expect(
            throws: FoveaError.invalidArgument("LSTM(2, 3): lengths need a batch of sequences, got one unbatched sequence [5, 2]")
        ) {
            try lstm(try Tensor.zeros([5, 2]), lengths: [5])
        }
        #expect(
            throws: FoveaError.invalidArgument("maskedMean: sequence length 0 is outside 1...4 (the padded sequence's steps)")
        ) {
            try Tensor.zeros([4, 2, 3]).maskedMean(lengths: try Tensor(indices: [0, 4]))
        }
    }

    /// `TextClassifier` reads texts as padded at the front (as `Vocabulary.encode` pads them): more padding before a
    /// text changes nothing, and the padding row still gets no gradient.
    @Test(arguments: testDevices)
    func aTextClassifierIgnoresTheFrontPadding(device: Device) throws {
        manualSeed(3)
        let model = TextClassifier(vocabulary: 12, embeddingSize: 4, hiddenSize: 5, classes: 3)
        try model.to(device)
        let short = try Tensor(indices: [0, 7, 3, 9, /* empty text */ 0, 0, 0, 0], shape: [2, 4], device: device)
        let long = try Tensor(indices: [Int](repeating: 0, count: 10) + [7, 3, 9], shape: [1, 13], device: device)
        let logits = try model(short)
        #expect(allClose(try model(long).toArray(), Array(try logits.toArray()[0..<3]), atol: 1e-6))
        #expect(try logits.toArray().allSatisfy(\.isFinite))
        try logits.sum().backward()
        #expect(try #require(model.embedding.weight.grad).toArray()[0..<4].allSatisfy { $0 == 0 })
    }

    /// Steps [3, 2, 2] (time first): sequence 0 has 3 steps, sequence 1 only its first.
    @Test(arguments: testDevices)
    func maskedPoolingReadsEachSequencesOwnSteps(device: Device) throws {
        let values: [Float] = [1, -1, 5, 7, /* t1 */ 3, -5, 9, 9, /* t2 */ -4, 2, 8, 8]
        let x = try Tensor(values, shape: [3, 2, 2], device: device, requiresGrad: true)
        let lengths = try Tensor(indices: [3, 1])
        #expect(allClose(try x.maskedMean(lengths: lengths).toArray(), [0, -4.0 / 3, 5, 7]))
        let maximum = try x.maskedMax(lengths: lengths)
        #expect(try maximum.toArray() == [3, 2, 5, 7])
        try maximum.sum().backward()
        #expect(try #require(x.grad).toArray() == [0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0])
        let batchFirst = try x.permuted(1, 0, 2)
        #expect(allClose(try batchFirst.maskedMean(lengths: lengths, timeAxis: 1).toArray(), [0, -4.0 / 3, 5, 7]))
        #expect(try batchFirst.maskedMax(lengths: lengths, timeAxis: 1).toArray() == [3, 2, 5, 7])
        let result = try gradientCheck([try testTensor([4, 3, 2], device: device, seed: 9)]) { t in
            try t[0].maskedMean(lengths: try Tensor(indices: [4, 1, 2]))
                + t[0].maskedMax(lengths: try Tensor(indices: [2, 3, 4]))
        }
        #expect(result.worstError < 1e-2, "\(result)")
    }
}
