import FoveaCore

/// A learnable tensor of a module. The module keeps the same `Parameter` for its whole life;
/// moving, loading and optimizing replace or update `value`.
public final class Parameter {
    /// The current values; `value.grad` holds the gradient after `backward()`.
    public var value: Tensor {
        didSet { value.requiresGrad = !isFrozen }
    }

    /// A frozen parameter gets no gradient and optimizers leave it untouched (transfer learning).
    public var isFrozen = false {
        didSet { value.requiresGrad = !isFrozen; if isFrozen { value.grad = nil } }
    }

    public init(_ value: Tensor) {
        self.value = value
        value.requiresGrad = true
    }

    public var grad: Tensor? { value.grad }
    public var shape: Shape { value.shape }
    public var device: Device { value.device }
}

/// A non-learnable tensor a module saves with its state (BatchNorm's running statistics).
public final class Buffer {
    public var value: Tensor
    public init(_ value: Tensor) { self.value = value }
}
