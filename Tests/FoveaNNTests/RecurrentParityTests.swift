import Foundation
import FoveaCore
import FoveaNN
import FoveaTestSupport
import Testing

/// RNN, LSTM, GRU, their cells and Embedding against PyTorch (`Fixtures/make_recurrent_fixture.py`): PyTorch's state
/// dicts load strictly and give its outputs, final states and gradients (of the input and of every parameter), also
/// over padded sequences with their lengths (PyTorch's pack_padded_sequence).
@Suite struct RecurrentParityTests {
    static let tolerance: Float = 1e-5

    /// Each case's module as the script makes it, and how to run it: the outputs by the fixture's names.
    /// The runners get the module, the input, h_0, c_0 and the lengths (each nil when the case has none).
    static let cases:
        [(name: String, make: () -> Module, run: (Module, Tensor, Tensor?, Tensor?, Tensor?) throws -> [String: Tensor])] = [
            ("lstm", { LSTM(3, 4) }, lstm),
            ("lstm_bi2_batch_first", { LSTM(3, 4, numLayers: 2, batchFirst: true, bidirectional: true) }, lstm),
            ("lstm_unbatched", { LSTM(3, 4) }, lstm),
            ("gru", { GRU(3, 4) }, hidden),
            ("gru_bi2_batch_first", { GRU(3, 4, numLayers: 2, batchFirst: true, bidirectional: true) }, hidden),
            ("rnn_tanh_2", { RNN(3, 4, numLayers: 2) }, hidden),
            ("rnn_relu_bi_nobias", { RNN(3, 4, nonlinearity: .relu, bias: false, bidirectional: true) }, hidden),
            ("lstm_packed_bi2_batch_first", { LSTM(3, 4, numLayers: 2, batchFirst: true, bidirectional: true) }, lstm),
            ("gru_packed_bi", { GRU(3, 4, bidirectional: true) }, hidden),
            ("rnn_tanh_packed_2", { RNN(3, 4, numLayers: 2) }, hidden),
            (
                "lstm_cell", { LSTMCell(3, 4) },
                { module, x, h, c, _ in
                    let (hN, cN) = try (module as! LSTMCell)(x, state: (h!, c!))
                    return ["h_n": hN, "c_n": cN]
                }
            ),
            ("gru_cell", { GRUCell(3, 4) }, { module, x, h, _, _ in ["h_n": try (module as! GRUCell)(x, hidden: h)] }),
            ("rnn_cell", { RNNCell(3, 4) }, { module, x, h, _, _ in ["h_n": try (module as! RNNCell)(x, hidden: h)] }),
            (
                "embedding", { Embedding(6, 3, paddingIndex: 1) },
                { module, ids, _, _, _ in ["output": try (module as! Embedding)(ids)] }
            ),
        ]

    static func lstm(_ module: Module, _ x: Tensor, _ h: Tensor?, _ c: Tensor?, _ lengths: Tensor?) throws -> [String: Tensor] {
        let (output, state) = try (module as! LSTM)(x, initialState: h.map { ($0, c!) }, lengths: lengths)
        return ["output": output, "h_n": state.h, "c_n": state.c]
    }

    static func hidden(_ module: Module, _ x: Tensor, _ h: Tensor?, _: Tensor?, _ lengths: Tensor?) throws -> [String: Tensor] {
        let (output, hN) =
            try (module as? RNN)?(x, initialState: h, lengths: lengths) ?? (module as! GRU)(x, initialState: h, lengths: lengths)
        return ["output": output, "h_n": hN]
    }

    static let fixture: [String: Tensor] = {
        let url = repositoryRoot.appendingPathComponent("Tests/FoveaNNTests/Fixtures/recurrent.safetensors")
        do { return try Safetensors.read(from: url).tensors } catch { fatalError("recurrent fixture: \(error)") }
    }()

    @Test(arguments: cases.map(\.name), testDevices)
    func matchesPyTorch(name: String, device: Device) throws {
        let testCase = try #require(Self.cases.first { $0.name == name })
        let prefix = "\(name)/param/"
        let state = Self.fixture.filter { $0.key.hasPrefix(prefix) }.map { (String($0.key.dropFirst(prefix.count)), $0.value) }
        let module = testCase.make()
        try module.loadStateDict(Dictionary(uniqueKeysWithValues: state), strict: true)
        try module.to(device)
        // A tensor of its own: the fixture's is shared by the cases running at once on each device.
        let input = try #require(Self.fixture["\(name)/input"]).detach().to(device)
        if input.dtype == .float32 { input.requiresGrad = true }
        let outputs = try testCase.run(
            module, input, Self.fixture["\(name)/h0"]?.to(device), Self.fixture["\(name)/c0"]?.to(device),
            Self.fixture["\(name)/lengths"])

        var loss: Tensor?
        for (key, output) in outputs {
            let expected = try #require(Self.fixture["\(name)/\(key)"])
            #expect(output.shape == expected.shape, "\(name) \(key)")
            #expect(maxAbsDifference(try output.toArray(), try expected.toArray()) < Self.tolerance, "\(name) \(key)")
            let term = try output.mul(try #require(Self.fixture["\(name)/seed_\(key)"]).to(device)).sum()
            loss = try loss.map { try $0.add(term) } ?? term
        }
        try #require(loss).backward()
        if input.dtype == .float32 {
            let expected = try #require(Self.fixture["\(name)/grad_input"])
            #expect(
                maxAbsDifference(try #require(input.grad).toArray(), try expected.toArray()) < Self.tolerance,
                "\(name) input gradient")
        }
        for (key, parameter) in module.namedParameters {
            let expected = try #require(Self.fixture["\(name)/grad/\(key)"])
            #expect(
                maxAbsDifference(try #require(parameter.grad).toArray(), try expected.toArray()) < Self.tolerance,
                "\(name) \(key) gradient")
        }
    }

    @Test func stateDictNamesAreTorchs() {
        #expect(
            LSTM(3, 4, numLayers: 2, bidirectional: true).stateDict().map(\.0) == [
                "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
                "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
                "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse",
            ])
        #expect(GRU(3, 5, numLayers: 2, bidirectional: true).stateDict().first { $0.0 == "weight_ih_l1" }?.1.shape == [15, 10])
        #expect(RNN(3, 4, bias: false).stateDict().map(\.0) == ["weight_ih_l0", "weight_hh_l0"])
        #expect(LSTMCell(3, 4).stateDict().map(\.0) == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"])
    }

    @Test func stateDictsRoundTrip() throws {
        let source = GRU(3, 4, numLayers: 2, bidirectional: true, generator: Generator(seed: 1))
        let copy = GRU(3, 4, numLayers: 2, bidirectional: true, generator: Generator(seed: 2))
        try copy.loadStateDict(source.stateDict(), strict: true)
        for ((name, a), (_, b)) in zip(source.stateDict(), copy.stateDict()) {
            #expect(try a.toArray() == b.toArray(), "\(name)")
        }
        let x = try Tensor.normal([5, 2, 3], generator: Generator(seed: 3))
        #expect(try source(x).toArray() == copy(x).toArray())
        #expect(throws: FoveaError.self) { try LSTM(3, 4).loadStateDict(source.stateDict(), strict: true) }
    }
}
