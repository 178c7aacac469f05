import FoveaCore

/// A layer that can apply a following ReLU, Sigmoid or Tanh in its own op (`Conv2D`, `Dense`); `Sequential` runs such a
/// pair through `forward(_:activation:)`.
public protocol ActivationFusing: UnaryLayer {
    /// The layer's output through `activation`, in the same op.
    func forward(_ input: Tensor, activation: ConvolutionActivation) throws -> Tensor
}

extension Conv2D: ActivationFusing {}
extension Dense: ActivationFusing {}
