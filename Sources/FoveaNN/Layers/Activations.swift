import FoveaCore

/// max(0, x).
public final class ReLU: Module, UnaryLayer {
    public func forward(_ input: Tensor) throws -> Tensor { try input.relu() }
}

/// x for x > 0, slope * x otherwise.
public final class LeakyReLU: Module, UnaryLayer {
    public let slope: Float
    public init(slope: Float = 0.01) { self.slope = slope; super.init() }
    public func forward(_ input: Tensor) throws -> Tensor { try input.leakyRelu(slope: slope) }
}

/// x for x > 0, alpha * (exp(x) - 1) otherwise.
public final class ELU: Module, UnaryLayer {
    public let alpha: Float
    public init(alpha: Float = 1) { self.alpha = alpha; super.init() }
    public func forward(_ input: Tensor) throws -> Tensor { try input.elu(alpha: alpha) }
}

/// 1 / (1 + exp(-x)).
public final class Sigmoid: Module, UnaryLayer {
    public func forward(_ input: Tensor) throws -> Tensor { try input.sigmoid() }
}

/// Hyperbolic tangent.
public final class Tanh: Module, UnaryLayer {
    public func forward(_ input: Tensor) throws -> Tensor { try input.tanh() }
}

/// x * Phi(x), the exact (erf) form.
public final class GELU: Module, UnaryLayer {
    public func forward(_ input: Tensor) throws -> Tensor { try input.gelu() }
}

/// Softmax over one axis (the last by default).
public final class Softmax: Module, UnaryLayer {
    public let axis: Int
    public init(axis: Int = -1) { self.axis = axis; super.init() }
    public func forward(_ input: Tensor) throws -> Tensor { try input.softmax(axis: axis) }
}

/// Log-softmax over one axis (the last by default).
public final class LogSoftmax: Module, UnaryLayer {
    public let axis: Int
    public init(axis: Int = -1) { self.axis = axis; super.init() }
    public func forward(_ input: Tensor) throws -> Tensor { try input.logSoftmax(axis: axis) }
}
