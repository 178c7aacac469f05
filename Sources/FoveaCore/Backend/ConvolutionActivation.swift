/// An activation a convolution applies to its output in the same pass (`Tensor.conv2d(..., activation:)`). Only
/// activations whose derivative is a function of their output, so the backward needs nothing but the output.
public enum ConvolutionActivation: Int, Sendable, CaseIterable {
    case identity = 0, relu, sigmoid, tanh

    /// The elementwise op it stands for (nil for `.identity`).
    public var unaryOp: UnaryOp? {
        switch self {
        case .identity: return nil
        case .relu: return .relu
        case .sigmoid: return .sigmoid
        case .tanh: return .tanh
        }
    }
}

/// The composition, for backends without a fused kernel (the CPU backend): the convolution, then the activation in
/// place; its gradient through `unaryBackward` with the output standing for the input (ReLU's x > 0 is y > 0), then the
/// bias gradient from it.
extension ConvolutionBackend where Self: ElementwiseBackend {
    public func conv2d(
        _ x: Storage, weight: Storage, bias: Storage?, activation: ConvolutionActivation,
        geometry g: ConvolutionGeometry, into y: Storage
    ) throws {
        try conv2d(x, weight: weight, bias: bias, geometry: g, into: y)
        if let op = activation.unaryOp { try unary(op, x: y, out: y, count: g.outputCount, alpha: 0, beta: 0) }
    }

    public func conv2dActivationBackward(
        _ gradOutput: Storage, output: Storage, activation: ConvolutionActivation,
        geometry g: ConvolutionGeometry, gradPreActivation: Storage, gradBias: Storage?
    ) throws {
        guard let op = activation.unaryOp else {
            throw FoveaError.invalidArgument("conv2dActivationBackward: the identity has no activation gradient")
        }
        try unaryBackward(
            op, x: output, y: output, gradOut: gradOutput, gradIn: gradPreActivation, count: g.outputCount, alpha: 0, beta: 0)
        if let gradBias { try conv2dBackwardBias(gradPreActivation, geometry: g, into: gradBias) }
    }
}
