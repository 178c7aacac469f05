import FoveaCore

/// max(0, x).
public final class ReLU: Module {
    public override func forward(_ input: Tensor) throws -> Tensor { try input.relu() }
}

/// x for x > 0, slope * x otherwise.
public final class LeakyReLU: Module {
    public let slope: Float
    public init(slope: Float = 0.01) { self.slope = slope; super.init() }
    public override func forward(_ input: Tensor) throws -> Tensor { try input.leakyRelu(slope: slope) }
}

/// x for x > 0, alpha * (exp(x) - 1) otherwise.
public final class ELU: Module {
    public let alpha: Float
    public init(alpha: Float = 1) { self.alpha = alpha; super.init() }
    public override func forward(_ input: Tensor) throws -> Tensor { try input.elu(alpha: alpha) }
}

/// 1 / (1 + exp(-x)).
public final class Sigmoid: Module {
    public override func forward(_ input: Tensor) throws -> Tensor { try input.sigmoid() }
}

/// Hyperbolic tangent.
public final class Tanh: Module {
    public override func forward(_ input: Tensor) throws -> Tensor { try input.tanh() }
}

/// x * Phi(x), the exact (erf) form.
public final class GELU: Module {
    public override func forward(_ input: Tensor) throws -> Tensor { try input.gelu() }
}

/// Softmax over one axis (the last by default).
public final class Softmax: Module {
    public let axis: Int
    public init(axis: Int = -1) { self.axis = axis; super.init() }
    public override func forward(_ input: Tensor) throws -> Tensor { try input.softmax(axis: axis) }
}

/// Log-softmax over one axis (the last by default).
public final class LogSoftmax: Module {
    public let axis: Int
    public init(axis: Int = -1) { self.axis = axis; super.init() }
    public override func forward(_ input: Tensor) throws -> Tensor { try input.logSoftmax(axis: axis) }
}
