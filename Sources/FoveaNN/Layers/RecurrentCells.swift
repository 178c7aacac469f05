import FoveaCore

/// The recurrence of a simple RNN, an LSTM or a GRU: how many gate blocks its weights stack and one time step,
/// built from differentiable ops (a GEMM for the recurrent projection, then elementwise gate math).
enum RecurrentKind {
    case rnnTanh, rnnRelu, lstm, gru

    /// Gate blocks stacked in the weights' first axis: LSTM i, f, g, o; GRU r, z, n; one for a simple RNN.
    var gates: Int {
        switch self {
        case .lstm: 4
        case .gru: 3
        case .rnnTanh, .rnnRelu: 1
        }
    }

    /// The tensors of the state: [h, c] for an LSTM, [h] otherwise.
    var stateCount: Int { self == .lstm ? 2 : 1 }

    /// One time step. `projected` is x W_ih^T + b_ih for this step [batch, gates * hidden]; `state` is [h] or [h, c],
    /// each [batch, hidden]. Returns the new state, whose first tensor is the step's output.
    func step(_ projected: Tensor, state: [Tensor], weights: RecurrentWeights) throws -> [Tensor] {
        let recurrent = try state[0].linear(weight: weights.weightHH.value, bias: weights.biasHH?.value)
        switch self {
        case .rnnTanh: return [try projected.add(recurrent).tanh()]
        case .rnnRelu: return [try projected.add(recurrent).relu()]
        case .lstm:
            let gates = try projected.add(recurrent).chunk(4, axis: -1)
            let input = try gates[0].sigmoid(), forget = try gates[1].sigmoid()
            let cell = try gates[2].tanh(), output = try gates[3].sigmoid()
            let c = try forget.mul(state[1]).add(input.mul(cell))
            return [try output.mul(c.tanh()), c]
        case .gru:
            // The reset gate scales W_hn h + b_hn, as PyTorch (and cuDNN) do.
            let x = try projected.chunk(3, axis: -1), h = try recurrent.chunk(3, axis: -1)
            let reset = try x[0].add(h[0]).sigmoid(), update = try x[1].add(h[1]).sigmoid()
            let candidate = try x[2].add(reset.mul(h[2])).tanh()
            return [try candidate.add(update.mul(state[0].sub(candidate)))]
        }
    }
}

/// The four parameters of one layer and direction (or of a cell), drawn from PyTorch's U(-1/sqrt(H), 1/sqrt(H)).
struct RecurrentWeights {
    let weightIH: Parameter, weightHH: Parameter
    let biasIH: Parameter?, biasHH: Parameter?

    init(kind: RecurrentKind, inputSize: Int, hiddenSize: Int, bias: Bool, generator: Generator) {
        precondition(inputSize > 0 && hiddenSize > 0, "recurrent layer: sizes must be positive, got \(inputSize) and \(hiddenSize)")
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
            throw FoveaError.invalidArgument("\(typeName)(\(inputSize), \(hiddenSize)): input of shape \(input.shape) is not [batch, \(inputSize)] or [\(inputSize)]")
        }
        let batched = input.rank == 2
        let rows = try batched ? input : input.unsqueezed(axis: 0)
        let stateShape: Shape = [rows.shape[0], hiddenSize]
        let start = try state.map { try $0.map { try batched ? $0 : $0.unsqueezed(axis: 0) } }
            ?? (0..<kind.stateCount).map { _ in try Tensor.zeros(stateShape, device: input.device) }
        for tensor in start where tensor.shape != stateShape {
            throw FoveaError.invalidArgument("\(typeName)(\(inputSize), \(hiddenSize)): state of shape \(tensor.shape) does not match the input's \(stateShape)")
        }
        let projected = try rows.linear(weight: weights.weightIH.value, bias: weights.biasIH?.value)
        let next = try kind.step(projected, state: start, weights: weights)
        return try batched ? next : next.map { try $0.squeezed(axis: 0) }
    }
}

/// An Elman RNN cell (PyTorch's RNNCell): h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh), or relu.
public final class RNNCell: RecurrentCell {
    public init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool = true, nonlinearity: RNN.Nonlinearity = .tanh,
                generator: Generator = .default) {
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
