import FoveaCore

/// The four parameters of one layer and direction (or of a cell), drawn from PyTorch's U(-1/sqrt(H), 1/sqrt(H)).
struct RecurrentWeights {
    let weightIH: Parameter, weightHH: Parameter
    let biasIH: Parameter?, biasHH: Parameter?

    init(kind: RecurrentKind, inputSize: Int, hiddenSize: Int, bias: Bool, generator: Generator) {
        precondition(
            inputSize > 0 && hiddenSize > 0, "recurrent layer: sizes must be positive, got \(inputSize) and \(hiddenSize)")
        let bound = 1 / Float(hiddenSize).squareRoot()
        let initializer = Initializer.uniform(low: -bound, high: bound)
        let rows = kind.gates * hiddenSize
        func draw(_ shape: Shape) -> Parameter { Parameter(initializer.cpuTensor(shape, generator: generator)) }
        weightIH = draw([rows, inputSize])
        weightHH = draw([rows, hiddenSize])
        biasIH = bias ? draw([rows]) : nil
        biasHH = bias ? draw([rows]) : nil
    }

    /// PyTorch's names, `weight_ih` + `suffix` and so on, in PyTorch's order.
    func named(_ suffix: String) -> [(String, Parameter)] {
        [("weight_ih" + suffix, weightIH), ("weight_hh" + suffix, weightHH)]
            + (biasIH.map { [("bias_ih" + suffix, $0)] } ?? []) + (biasHH.map { [("bias_hh" + suffix, $0)] } ?? [])
    }
}

/// One step of a recurrent layer on [batch, input] (or unbatched [input]) with PyTorch's parameter names
/// (`weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`). `forward` starts from a zero state and returns the new h.
public class RecurrentCell: Module, UnaryLayer {
    public let inputSize: Int, hiddenSize: Int
    let kind: RecurrentKind
    let weights: RecurrentWeights

    init(kind: RecurrentKind, inputSize: Int, hiddenSize: Int, bias: Bool, generator: Generator) {
        self.kind = kind
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        weights = RecurrentWeights(kind: kind, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, generator: generator)
        super.init()
    }

    public override var ownParameters: [(String, Parameter)] { weights.named("") }

    public func forward(_ input: Tensor) throws -> Tensor { try step(input, state: nil)[0] }

    /// The new state ([h] or [h, c]) after `input`, from `state` (zeros when nil), each of the input's batch shape.
    func step(_ input: Tensor, state: [Tensor]?) throws -> [Tensor] {
        guard input.rank == 1 || input.rank == 2, input.shape[input.rank - 1] == inputSize else {
            throw FoveaError.invalidArgument(
                "\(typeName)(\(inputSize), \(hiddenSize)): input of shape \(input.shape) is not [batch, \(inputSize)] or [\(inputSize)]"
            )
        }
        let batched = input.rank == 2
        let rows = try batched ? input : input.unsqueezed(axis: 0)
        let stateShape: Shape = [rows.shape[0], hiddenSize]
        let start =
            try state.map { try $0.map { try batched ? $0 : $0.unsqueezed(axis: 0) } }
            ?? (0..<kind.stateCount).map { _ in try Tensor.zeros(stateShape, device: input.device) }
        for tensor in start where tensor.shape != stateShape {
            throw FoveaError.invalidArgument(
                "\(typeName)(\(inputSize), \(hiddenSize)): state of shape \(tensor.shape) does not match the input's \(stateShape)"
            )
        }
        // One step of the sequence op, on a sequence of one step.
        let (_, next) = try Tensor.recurrent(
            kind, input: rows.unsqueezed(axis: 0), initialState: start, weightIH: weights.weightIH.value,
            weightHH: weights.weightHH.value, biasIH: weights.biasIH?.value, biasHH: weights.biasHH?.value)
        return try batched ? next : next.map { try $0.squeezed(axis: 0) }
    }
}

/// An Elman RNN cell (PyTorch's RNNCell): h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh), or relu.
public final class RNNCell: RecurrentCell {
    public init(
        _ inputSize: Int, _ hiddenSize: Int, bias: Bool = true, nonlinearity: RNN.Nonlinearity = .tanh,
        generator: Generator = .default
    ) {
        super.init(kind: nonlinearity.kind, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, generator: generator)
    }

    /// The next hidden state from `hidden` [batch, hidden] (zeros when nil).
    public func callAsFunction(_ input: Tensor, hidden: Tensor?) throws -> Tensor {
        try step(input, state: hidden.map { [$0] })[0]
    }
}

/// A GRU cell (PyTorch's GRUCell), gates r, z, n stacked in that order; the reset gate scales W_hn h + b_hn.
public final class GRUCell: RecurrentCell {
    public init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool = true, generator: Generator = .default) {
        super.init(kind: .gru, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, generator: generator)
    }

    /// The next hidden state from `hidden` [batch, hidden] (zeros when nil).
    public func callAsFunction(_ input: Tensor, hidden: Tensor?) throws -> Tensor {
        try step(input, state: hidden.map { [$0] })[0]
    }
}

/// An LSTM cell (PyTorch's LSTMCell), gates i, f, g, o stacked in that order.
public final class LSTMCell: RecurrentCell {
    public init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool = true, generator: Generator = .default) {
        super.init(kind: .lstm, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, generator: generator)
    }

    /// The next (h, c) from `state` (zeros when nil), each [batch, hidden].
    public func callAsFunction(_ input: Tensor, state: (h: Tensor, c: Tensor)?) throws -> (h: Tensor, c: Tensor) {
        let next = try step(input, state: state.map { [$0.h, $0.c] })
        return (next[0], next[1])
    }
}
