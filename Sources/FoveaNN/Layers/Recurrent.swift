import FoveaCore

/// A stack of recurrent layers over a sequence, as PyTorch's RNN, LSTM and GRU: input [seq, batch, input]
/// ([batch, seq, input] with `batchFirst`, or unbatched [seq, input]), output [seq, batch, directions * hidden], final
/// states [layers * directions, batch, hidden] (never batch-first). Parameters carry PyTorch's names
/// (`weight_ih_l0`, `bias_hh_l1_reverse`, ...), so a PyTorch state dict loads unchanged.
///
/// Each layer and direction is one op over the whole sequence (`Tensor.recurrent`: one GEMM projects every step's
/// input, then one GEMM and one fused cell per step). `forward` returns the output from zero initial states; the
/// subclasses' `callAsFunction(_:initialState:lengths:)` also returns the final states, and with `lengths` reads a
/// batch of padded sequences as PyTorch's `pack_padded_sequence` does (zero outputs past each sequence's end, final
/// states at its last element, the reverse direction starting there).
public class RecurrentNetwork: Module, UnaryLayer {
    public let inputSize: Int, hiddenSize: Int, numLayers: Int
    public let bidirectional: Bool, batchFirst: Bool
    /// The dropout probability applied to each layer's output but the last, in training.
    public let dropout: Float
    /// The random stream of the dropout masks.
    public let generator: Generator
    let kind: RecurrentKind
    /// The weights of layer k, direction d at index k * directions + d.
    let weights: [RecurrentWeights]

    /// 1, or 2 when bidirectional.
    public var directions: Int { bidirectional ? 2 : 1 }

    init(
        kind: RecurrentKind, inputSize: Int, hiddenSize: Int, numLayers: Int, bias: Bool, batchFirst: Bool,
        dropout: Float, bidirectional: Bool, generator: Generator
    ) {
        precondition(numLayers > 0, "recurrent layer: numLayers must be positive, got \(numLayers)")
        precondition(dropout >= 0 && dropout < 1, "recurrent layer: dropout must be in [0, 1), got \(dropout)")
        self.kind = kind
        self.inputSize = inputSize; self.hiddenSize = hiddenSize; self.numLayers = numLayers
        self.bidirectional = bidirectional; self.batchFirst = batchFirst; self.dropout = dropout
        self.generator = generator
        let directions = bidirectional ? 2 : 1
        weights = (0..<numLayers * directions).map { index in
            RecurrentWeights(
                kind: kind, inputSize: index < directions ? inputSize : directions * hiddenSize,
                hiddenSize: hiddenSize, bias: bias, generator: generator)
        }
        super.init()
    }

    public override var ownParameters: [(String, Parameter)] {
        weights.enumerated().flatMap { index, weights in
            weights.named("_l\(index / directions)" + (index % directions == 1 ? "_reverse" : ""))
        }
    }

    public func forward(_ input: Tensor) throws -> Tensor { try run(input, initialState: nil, lengths: nil).output }

    /// `run`, observed as a call of this layer (`UnaryLayer.observedCall`): forward hooks see and may replace the output
    /// sequence, and a summary records it. The calls with initial states or lengths go through it, as `forward` goes
    /// through the plain call.
    func observedRun(_ input: Tensor, initialState: [Tensor]?, lengths: Tensor?, paddedAtFront: Bool = false) throws -> (
        output: Tensor, state: [Tensor]
    ) {
        var state: [Tensor] = []
        let output = try observedCall(input) {
            let result = try run(input, initialState: initialState, lengths: lengths, paddedAtFront: paddedAtFront)
            state = result.state
            return result.output
        }
        return (output, state)
    }

    /// The output sequence and the final states ([h_n] or [h_n, c_n]) from `initialState` (zeros when nil), over
    /// sequences of `lengths` (Int32 or whole numbers [batch]; nil: every sequence fills every step), which end at
    /// the last step when `paddedAtFront` (see `Tensor.recurrent`).
    func run(_ input: Tensor, initialState: [Tensor]?, lengths: Tensor?, paddedAtFront: Bool = false) throws -> (
        output: Tensor, state: [Tensor]
    ) {
        guard input.rank == 2 || input.rank == 3, input.shape[input.rank - 1] == inputSize, input.shape[0] > 0 else {
            throw FoveaError.invalidArgument(
                "\(typeName)(\(inputSize), \(hiddenSize)): input of shape \(input.shape) is not a non-empty [seq, batch, \(inputSize)] sequence\(batchFirst ? " (batch first)" : "")"
            )
        }
        let batched = input.rank == 3
        guard batched || lengths == nil else {
            throw FoveaError.invalidArgument(
                "\(typeName)(\(inputSize), \(hiddenSize)): lengths need a batch of sequences, got one unbatched sequence \(input.shape)"
            )
        }
        var sequence = try batched ? (batchFirst ? input.permuted(1, 0, 2) : input) : input.unsqueezed(axis: 1)
        let batch = sequence.shape[1]
        let stateShape: Shape = [weights.count, batch, hiddenSize]
        let initial =
            try initialState.map { try $0.map { try batched ? $0 : $0.unsqueezed(axis: 1) } }
            ?? (0..<kind.stateCount).map { _ in try Tensor.zeros(stateShape, device: input.device) }
        for tensor in initial where tensor.shape != stateShape {
            throw FoveaError.invalidArgument(
                "\(typeName)(\(inputSize), \(hiddenSize)): initial state of shape \(tensor.shape) is not \(stateShape)")
        }
        var finals = [[Tensor]](repeating: [], count: kind.stateCount)
        for layer in 0..<numLayers {
            if layer > 0, isTraining, dropout > 0 { sequence = try sequence.dropout(p: dropout, generator: generator) }
            var outputs: [Tensor] = []
            for direction in 0..<directions {
                let index = layer * directions + direction, weights = weights[index]
                let state = try initial.map { try $0.slice(axis: 0, start: index, count: 1).reshaped(batch, hiddenSize) }
                let (output, final) = try Tensor.recurrent(
                    kind, input: sequence, initialState: state, weightIH: weights.weightIH.value,
                    weightHH: weights.weightHH.value, biasIH: weights.biasIH?.value,
                    biasHH: weights.biasHH?.value, lengths: lengths, paddedAtFront: paddedAtFront,
                    reverse: direction == 1)
                outputs.append(output)
                for (k, tensor) in final.enumerated() { finals[k].append(try tensor.unsqueezed(axis: 0)) }
            }
            sequence = try outputs.count == 1 ? outputs[0] : Tensor.concatenate(outputs, axis: 2)
        }
        let output = try batched ? (batchFirst ? sequence.permuted(1, 0, 2) : sequence) : sequence.squeezed(axis: 1)
        let state = try finals.map { try Tensor.concatenate($0, axis: 0) }
        return (output, try batched ? state : state.map { try $0.squeezed(axis: 1) })
    }
}

/// A recurrent network whose state is one tensor, h (RNN and GRU).
public class HiddenStateNetwork: RecurrentNetwork {
    /// (output, h_n) from `initialState` h_0 [layers * directions, batch, hidden] (zeros when nil), over padded
    /// sequences of `lengths` [batch] when given (Int32 or whole numbers, on the CPU or the input's device; see
    /// `Tensor.recurrent`).
    public func callAsFunction(_ input: Tensor, initialState: Tensor?, lengths: Tensor? = nil) throws -> (
        output: Tensor, hidden: Tensor
    ) {
        let (output, state) = try observedRun(input, initialState: initialState.map { [$0] }, lengths: lengths)
        return (output, state[0])
    }

    /// (output, h_n) over padded sequences of `lengths`, each in 1...steps, from `initialState` (zeros when nil).
    public func callAsFunction(_ input: Tensor, initialState: Tensor? = nil, lengths: [Int]) throws -> (
        output: Tensor, hidden: Tensor
    ) {
        try self(input, initialState: initialState, lengths: try Tensor(indices: lengths))
    }
}

/// A multi-layer Elman RNN (PyTorch's RNN): h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), or relu.
public final class RNN: HiddenStateNetwork {
    /// The activation of a simple RNN (PyTorch's `nonlinearity`).
    public enum Nonlinearity: Sendable {
        case tanh, relu

        var kind: RecurrentKind { self == .tanh ? .rnnTanh : .rnnRelu }
    }

    /// Weights and biases are drawn from U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)), as PyTorch draws them.
    public init(
        _ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, nonlinearity: Nonlinearity = .tanh, bias: Bool = true,
        batchFirst: Bool = false, dropout: Float = 0, bidirectional: Bool = false, generator: Generator = .default
    ) {
        super.init(
            kind: nonlinearity.kind, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
            batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, generator: generator)
    }
}

/// A multi-layer GRU (PyTorch's GRU), gates r, z, n stacked in that order; the reset gate scales W_hn h + b_hn.
public final class GRU: HiddenStateNetwork {
    /// Weights and biases are drawn from U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)), as PyTorch draws them.
    public init(
        _ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
        dropout: Float = 0, bidirectional: Bool = false, generator: Generator = .default
    ) {
        super.init(
            kind: .gru, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
            batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, generator: generator)
    }
}

/// A multi-layer LSTM (PyTorch's LSTM), gates i, f, g, o stacked in that order.
public final class LSTM: RecurrentNetwork {
    /// Weights and biases are drawn from U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)), as PyTorch draws them.
    public init(
        _ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
        dropout: Float = 0, bidirectional: Bool = false, generator: Generator = .default
    ) {
        super.init(
            kind: .lstm, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
            batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, generator: generator)
    }

    /// (output, (h_n, c_n)) from `initialState` (h_0, c_0), each [layers * directions, batch, hidden] (zeros when nil),
    /// over padded sequences of `lengths` [batch] when given (Int32 or whole numbers, on the CPU or the input's device;
    /// see `Tensor.recurrent`).
    public func callAsFunction(_ input: Tensor, initialState: (h: Tensor, c: Tensor)?, lengths: Tensor? = nil) throws
        -> (output: Tensor, state: (h: Tensor, c: Tensor))
    {
        let (output, state) = try observedRun(input, initialState: initialState.map { [$0.h, $0.c] }, lengths: lengths)
        return (output, (state[0], state[1]))
    }

    /// (output, (h_n, c_n)) over padded sequences of `lengths`, each in 1...steps, from `initialState` (zeros when nil).
    public func callAsFunction(_ input: Tensor, initialState: (h: Tensor, c: Tensor)? = nil, lengths: [Int]) throws
        -> (output: Tensor, state: (h: Tensor, c: Tensor))
    {
        try self(input, initialState: initialState, lengths: try Tensor(indices: lengths))
    }
}
