import FoveaCore

/// `y` through the separate op a fused activation stands for (the reference the fused ops are tested against).
public func composedActivation(_ activation: ConvolutionActivation, of y: Tensor) throws -> Tensor {
    switch activation {
    case .identity: return y
    case .relu: return try y.relu()
    case .sigmoid: return try y.sigmoid()
    case .tanh: return try y.tanh()
    }
}
