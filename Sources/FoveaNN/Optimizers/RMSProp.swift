import FoveaCore

/// RMSProp as PyTorch implements it (alpha 0.99, optional momentum, optional centering).
public final class RMSProp: OptimizerBase {
    public var alpha: Float, eps: Float, momentum: Float, centered: Bool

    public convenience init(
        _ parameters: [Parameter], learningRate: Float = 0.01, alpha: Float = 0.99, eps: Float = 1e-8,
        momentum: Float = 0, centered: Bool = false, weightDecay: Float = 0
    ) {
        self.init(
            groups: [ParameterGroup(parameters, learningRate: learningRate, weightDecay: weightDecay)],
            alpha: alpha, eps: eps, momentum: momentum, centered: centered)
    }

    /// Parameter groups with their own rates and weight decay.
    public init(groups: [ParameterGroup], alpha: Float = 0.99, eps: Float = 1e-8, momentum: Float = 0, centered: Bool = false) {
        self.alpha = alpha; self.eps = eps; self.momentum = momentum; self.centered = centered
        super.init(groups: groups)
    }

    override func update(_ parameter: Tensor, grad: Tensor, group: ParameterGroup, index: Int) throws {
        let squareAvg = try state.buffer("square_avg", of: index, like: parameter)
        let gradAvg = centered ? try state.buffer("grad_avg", of: index, like: parameter) : nil
        let buffer = momentum > 0 ? try state.buffer("momentum_buffer", of: index, like: parameter) : nil
        try parameter.backend.rmspropStep(
            param: parameter.writableStorage(op: typeName), grad: grad.storage, squareAvg: squareAvg.storage,
            gradAvg: gradAvg?.storage, momentumBuffer: buffer?.storage, count: parameter.count,
            lr: group.learningRate, alpha: alpha, eps: eps, weightDecay: group.weightDecay, momentum: momentum)
    }
}
