import FoveaCore

/// Adam (Kingma & Ba) with PyTorch's bias correction; weight decay is added to the gradient.
public class Adam: OptimizerBase {
    public var beta1: Float, beta2: Float, eps: Float
    /// AdamW applies weight decay to the parameter directly (decoupled) instead of through the gradient.
    let decoupled: Bool

    public convenience init(
        _ parameters: [Parameter], learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999,
        eps: Float = 1e-8, weightDecay: Float = 0
    ) {
        self.init(
            groups: [ParameterGroup(parameters, learningRate: learningRate, weightDecay: weightDecay)],
            beta1: beta1, beta2: beta2, eps: eps, decoupled: false)
    }

    /// Parameter groups with their own rates and weight decay.
    public convenience init(groups: [ParameterGroup], beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8) {
        self.init(groups: groups, beta1: beta1, beta2: beta2, eps: eps, decoupled: false)
    }

    init(groups: [ParameterGroup], beta1: Float, beta2: Float, eps: Float, decoupled: Bool) {
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.decoupled = decoupled
        super.init(groups: groups)
    }

    override func validate() throws {
        try super.validate()
        guard (0..<1).contains(beta1), (0..<1).contains(beta2), eps >= 0 else {
            throw FoveaError.invalidArgument(
                "\(typeName): betas (\(beta1), \(beta2)) must be in [0, 1) and eps \(eps) at least 0")
        }
    }

    override func update(_ parameter: Tensor, grad: Tensor, group: ParameterGroup, index: Int) throws {
        let m = try state.buffer("exp_avg", of: index, like: parameter)
        let v = try state.buffer("exp_avg_sq", of: index, like: parameter)
        let step = state.incrementStep(of: index)
        try parameter.backend.adamStep(
            param: parameter.writableStorage(op: typeName), grad: grad.storage, m: m.storage, v: v.storage,
            count: parameter.count,
            lr: group.learningRate, beta1: beta1, beta2: beta2, eps: eps,
            weightDecay: group.weightDecay, decoupled: decoupled, step: step)
    }
}

/// Adam with decoupled weight decay (Loshchilov & Hutter): param *= 1 - lr * weightDecay before the Adam update.
public final class AdamW: Adam {
    public convenience init(
        _ parameters: [Parameter], learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999,
        eps: Float = 1e-8, weightDecay: Float = 0.01
    ) {
        self.init(
            groups: [ParameterGroup(parameters, learningRate: learningRate, weightDecay: weightDecay)],
            beta1: beta1, beta2: beta2, eps: eps, decoupled: true)
    }

    /// Parameter groups with their own rates and weight decay.
    public convenience init(groups: [ParameterGroup], beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8) {
        self.init(groups: groups, beta1: beta1, beta2: beta2, eps: eps, decoupled: true)
    }
}
