import FoveaCore

/// Adagrad: per-element rates that shrink with the sum of squared gradients (PyTorch's rule, learning-rate decay included).
public final class Adagrad: OptimizerBase {
    public var eps: Float, learningRateDecay: Float

    public convenience init(
        _ parameters: [Parameter], learningRate: Float = 0.01, learningRateDecay: Float = 0, eps: Float = 1e-10,
        weightDecay: Float = 0
    ) {
        self.init(
            groups: [ParameterGroup(parameters, learningRate: learningRate, weightDecay: weightDecay)],
            learningRateDecay: learningRateDecay, eps: eps)
    }

    /// Parameter groups with their own rates and weight decay.
    public init(groups: [ParameterGroup], learningRateDecay: Float = 0, eps: Float = 1e-10) {
        self.eps = eps; self.learningRateDecay = learningRateDecay
        super.init(groups: groups)
    }

    override func update(_ parameter: Tensor, grad: Tensor, group: ParameterGroup, index: Int) throws {
        let sum = try state.buffer("sum", of: index, like: parameter)
        let step = state.incrementStep(of: index)
        let rate = group.learningRate / (1 + Float(step - 1) * learningRateDecay)
        try parameter.backend.adagradStep(
            param: parameter.writableStorage(op: typeName), grad: grad.storage, sum: sum.storage, count: parameter.count,
            lr: rate, eps: eps, weightDecay: group.weightDecay)
    }
}
