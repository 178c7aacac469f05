import FoveaCore

/// A module called with an array of tensors that returns an array: a `GraphModel` of several inputs or outputs, or a
/// hand-written model (a two-tower network) that offers this form next to its own `callAsFunction` signature.
/// `Trainer(model:optimizer:losses:lossWeights:callbacks:)` trains one, with a loss per output.
public protocol MultiTensorLayer: Module {
    /// One tensor per output, from one tensor per input (each batch first).
    func callAsFunction(_ inputs: [Tensor]) throws -> [Tensor]
}
