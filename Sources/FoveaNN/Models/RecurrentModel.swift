import FoveaCore

/// A recurrent network over [batch, steps, features] sequences followed by a Dense layer on the last step's output:
/// `outputs` values per sequence (one for a forecast, or class logits). Parameters are `rnn.weight_ih_l0`, ...,
/// `head.weight`, `head.bias`. A `residual` model adds the last step's input to that output, so it learns the change
/// from the last known value (a series forecast whose level leaves the range it was trained on).
public final class RecurrentModel: Module, UnaryLayer {
    public let rnn: RecurrentNetwork
    public let head: Dense
    public let residual: Bool

    /// `kind` is "lstm", "gru" or "rnn" (tanh).
    /// `residual` needs as many outputs as input features.
    public init(kind: String, inputFeatures: Int, hiddenSize: Int, numLayers: Int = 1, outputs: Int, residual: Bool = false)
        throws
    {
        guard !residual || inputFeatures == outputs else {
            throw FoveaError.invalidArgument(
                "RecurrentModel: a residual model needs as many outputs as input features, got \(outputs) and \(inputFeatures)")
        }
        switch kind {
        case "lstm": rnn = LSTM(inputFeatures, hiddenSize, numLayers: numLayers, batchFirst: true)
        case "gru": rnn = GRU(inputFeatures, hiddenSize, numLayers: numLayers, batchFirst: true)
        case "rnn": rnn = RNN(inputFeatures, hiddenSize, numLayers: numLayers, batchFirst: true)
        default: throw FoveaError.invalidArgument("RecurrentModel: kind '\(kind)' is none of lstm, gru, rnn")
        }
        head = Dense(hiddenSize, outputs)
        self.residual = residual
        super.init()
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        let output = try rnn(input)
        let steps = output.shape[1]
        let change = try head(output.slice(axis: 1, start: steps - 1, count: 1).squeezed(axis: 1))
        return try residual ? change.add(input.slice(axis: 1, start: steps - 1, count: 1).squeezed(axis: 1)) : change
    }
}
