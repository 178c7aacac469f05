import Foundation
import FoveaCore
import FoveaTestSupport
import Testing

/// `Tensor.recurrent`, one layer and direction of an RNN, LSTM or GRU over a whole sequence: finite-difference
/// gradients of every input at awkward sizes, with and without lengths, the hand-computed value of one step, and
/// the errors its arguments get.
@Suite struct RecurrentOpTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var kind: RecurrentKind
        var steps: Int, batch: Int, inputSize: Int, hidden: Int
        var bias = true, reverse = false
        var lengths: [Int]? = nil
        var paddedAtFront = false
        var testDescription: String {
            "\(kind) steps \(steps) batch \(batch) input \(inputSize) hidden \(hidden)" + (bias ? "" : " no bias")
                + (reverse ? " reverse" : "") + (lengths.map { " lengths \($0)" } ?? "")
                + (paddedAtFront ? " padded at the front" : "")
        }
    }

    static let cases = [
        Case(kind: .lstm, steps: 1, batch: 1, inputSize: 2, hidden: 1),
        Case(kind: .lstm, steps: 4, batch: 3, inputSize: 2, hidden: 2, reverse: true, lengths: [4, 1, 2]),
        Case(kind: .lstm, steps: 3, batch: 2, inputSize: 1, hidden: 3, bias: false, lengths: [2, 3]),
        Case(kind: .gru, steps: 1, batch: 1, inputSize: 1, hidden: 1, reverse: true),
        Case(kind: .gru, steps: 3, batch: 2, inputSize: 2, hidden: 3, lengths: [1, 3]),
        Case(kind: .gru, steps: 4, batch: 2, inputSize: 3, hidden: 2, bias: false, reverse: true, lengths: [3, 4]),
        Case(kind: .rnnTanh, steps: 3, batch: 2, inputSize: 2, hidden: 2, bias: false, reverse: true, lengths: [2, 3]),
        Case(kind: .rnnTanh, steps: 1, batch: 1, inputSize: 3, hidden: 1),
        Case(kind: .lstm, steps: 3, batch: 2, inputSize: 2, hidden: 2, lengths: [1, 3], paddedAtFront: true),
        Case(kind: .gru, steps: 4, batch: 2, inputSize: 1, hidden: 2, reverse: true, lengths: [2, 3], paddedAtFront: true),
    ]

    /// The inputs of a case in `Tensor.recurrent`'s order: x, h_0 (, c_0), W_ih, W_hh (, b_ih, b_hh).
    static func inputs(_ c: Case, device: Device) throws -> [Tensor] {
        let rows = c.kind.gates * c.hidden
        var shapes: [Shape] =
            [[c.steps, c.batch, c.inputSize]] + Array(repeating: [c.batch, c.hidden], count: c.kind.stateCount)
        shapes += [[rows, c.inputSize], [rows, c.hidden]] + (c.bias ? [[rows], [rows]] : [])
        return try shapes.enumerated().map { try testTensor($1, device: device, seed: 10 + UInt64($0), low: -0.9, high: 0.9) }
    }

    /// Output, then the final states, flattened into one tensor.
    static func run(_ c: Case, _ t: [Tensor]) throws -> Tensor {
        let states = c.kind.stateCount
        let (output, final) = try Tensor.recurrent(
            c.kind, input: t[0], initialState: Array(t[1...states]), weightIH: t[states + 1],
            weightHH: t[states + 2], biasIH: c.bias ? t[states + 3] : nil,
            biasHH: c.bias ? t[states + 4] : nil,
            lengths: try c.lengths.map { try Tensor(indices: $0) }, paddedAtFront: c.paddedAtFront,
            reverse: c.reverse)
        return try Tensor.concatenate(([output] + final).map { try $0.flattened() })
    }

    @Test(arguments: cases, testDevices)
    func gradientsMatchFiniteDifferences(_ c: Case, device: Device) throws {
        let result = try gradientCheck(try Self.inputs(c, device: device)) { try Self.run(c, $0) }
        #expect(result.worstError < 1e-2, "\(c.testDescription) on \(device): \(result)")
    }

    @Test(arguments: testDevices)
    func lengthsZeroThePaddingAndKeepEachSequencesLastState(device: Device) throws {
        let c = Case(kind: .lstm, steps: 4, batch: 2, inputSize: 2, hidden: 3, lengths: [2, 4])
        let t = try Self.inputs(c, device: device)
        let (output, final) = try Tensor.recurrent(
            .lstm, input: t[0], initialState: [t[1], t[2]], weightIH: t[3], weightHH: t[4],
            biasIH: t[5], biasHH: t[6], lengths: try Tensor(indices: [2, 4]))
        let values = try output.toArray(), h = try final[0].toArray()
        // Sequence 0 ends after step 1: zeros at steps 2 and 3, h_n is its step-1 output.
        #expect(values[12..<15].allSatisfy { $0 == 0 })
        #expect(values[18..<21].allSatisfy { $0 == 0 })
        #expect(Array(h[0..<3]) == Array(values[6..<9]))
        #expect(Array(h[3..<6]) == Array(values[21..<24]))
        #expect(values[21..<24].allSatisfy { $0 != 0 })
        // The same sequence alone, two steps long.
        let alone = try Tensor.recurrent(
            .lstm, input: t[0].slice(axis: 0, start: 0, count: 2).slice(axis: 1, start: 0, count: 1),
            initialState: [t[1].slice(axis: 0, start: 0, count: 1), t[2].slice(axis: 0, start: 0, count: 1)],
            weightIH: t[3], weightHH: t[4], biasIH: t[5], biasHH: t[6])
        #expect(allClose(try alone.state[1].toArray(), Array(try final[1].toArray()[0..<3]), atol: 1e-6))
    }

    /// A sequence padded at the front gives zeros over its padding, then what it gives alone, and the same final state.
    @Test(arguments: testDevices)
    func frontPaddingIsSkipped(device: Device) throws {
        let c = Case(kind: .gru, steps: 4, batch: 2, inputSize: 2, hidden: 3)
        let t = try Self.inputs(c, device: device)
        let (output, final) = try Tensor.recurrent(
            .gru, input: t[0], initialState: [t[1]], weightIH: t[2], weightHH: t[3], biasIH: t[4],
            biasHH: t[5], lengths: try Tensor(indices: [3, 4]), paddedAtFront: true)
        let alone = try Tensor.recurrent(
            .gru, input: t[0].slice(axis: 0, start: 1, count: 3).slice(axis: 1, start: 0, count: 1),
            initialState: [t[1].slice(axis: 0, start: 0, count: 1)], weightIH: t[2], weightHH: t[3],
            biasIH: t[4], biasHH: t[5])
        let values = try output.toArray(), expected = try alone.output.toArray()
        #expect(values[0..<3].allSatisfy { $0 == 0 })
        for step in 1..<4 {
            #expect(
                allClose(Array(values[step * 6..<step * 6 + 3]), Array(expected[(step - 1) * 3..<step * 3]), atol: 1e-6),
                "step \(step)")
        }
        #expect(allClose(Array(try final[0].toArray()[0..<3]), try alone.state[0].toArray(), atol: 1e-6))
    }

    /// h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) on one step, by hand; a relu RNN clips the same sum at zero.
    @Test(arguments: testDevices)
    func oneStepOfASimpleRNNIsItsFormula(device: Device) throws {
        let x = try Tensor([1, -2], shape: [1, 1, 2], device: device), h = try Tensor([0.5], shape: [1, 1], device: device)
        let wih = try Tensor([0.3, 0.4], shape: [1, 2], device: device), whh = try Tensor([-0.6], shape: [1, 1], device: device)
        let bih = try Tensor([0.1], device: device), bhh = try Tensor([-0.2], device: device)
        let sum: Float = 0.3 - 0.8 + 0.1 - 0.3 - 0.2
        for (kind, expected) in [(RecurrentKind.rnnTanh, Foundation.tanh(sum)), (.rnnRelu, max(sum, 0))] {
            let (output, state) = try Tensor.recurrent(
                kind, input: x, initialState: [h], weightIH: wih, weightHH: whh, biasIH: bih, biasHH: bhh)
            #expect(allClose(try output.toArray(), [expected], atol: 1e-6), "\(kind)")
            #expect(allClose(try state[0].toArray(), [expected], atol: 1e-6), "\(kind)")
        }
    }

    @Test func badArgumentsThrowOneLineErrors() throws {
        let x = try Tensor.zeros([3, 2, 4]), h = try Tensor.zeros([2, 5])
        let wih = try Tensor.zeros([20, 4]), whh = try Tensor.zeros([20, 5])
        func lstm(_ lengths: Tensor?, state: [Tensor]? = nil, weightHH: Tensor? = nil) throws {
            _ = try Tensor.recurrent(
                .lstm, input: x, initialState: state ?? [h, h], weightIH: wih, weightHH: weightHH ?? whh,
                biasIH: nil, biasHH: nil, lengths: lengths)
        }
        #expect(
            throws: FoveaError.invalidArgument("recurrent lstm: sequence length 4 is outside 1...3 (the padded sequence's steps)")
        ) {
            try lstm(try Tensor(indices: [3, 4]))
        }
        #expect(
            throws: FoveaError.invalidArgument("recurrent lstm: sequence length 0 is outside 1...3 (the padded sequence's steps)")
        ) {
            try lstm(try Tensor(indices: [0, 2]))
        }
        #expect(throws: FoveaError.invalidArgument("recurrent lstm: lengths of shape [3] are not one per sequence [2]")) {
            try lstm(try Tensor(indices: [1, 2, 3]))
        }
        #expect(
            throws: FoveaError.invalidArgument(
                "recurrent lstm: needs 2 initial state tensors and a non-empty sequence, got 1 and input [3, 2, 4]")
        ) {
            try lstm(nil, state: [h])
        }
        #expect(throws: FoveaError.shapeMismatch(op: "recurrent lstm weight_hh", [20, 5], [16, 5])) {
            try lstm(nil, weightHH: try Tensor.zeros([16, 5]))
        }
    }
}
