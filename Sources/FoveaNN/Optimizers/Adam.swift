import FoveaCore

/// Adam (Kingma & Ba) with PyTorch's bias correction; weight decay is added to the gradient.
public class Adam: Optimizer {
    public let parameterGroups: [ParameterGroup]
    public var beta1: Float, beta2: Float, eps: Float
    /// AdamW applies weight decay to the parameter directly (decoupled) instead of through the gradient.
    let decoupled: Bool
    public private(set) var stepCount = 0
    private let state = OptimizerState()

    public convenience init(_ parameters: [Parameter], learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999,
                            eps: Float = 1e-8, weightDecay: Float = 0) {
        self.init(groups: [ParameterGroup(parameters, learningRate: learningRate, weightDecay: weightDecay)],
                  beta1: beta1, beta2: beta2, eps: eps, decoupled: false)
    }

    init(groups: [ParameterGroup], beta1: Float, beta2: Float, eps: Float, decoupled: Bool) {
        parameterGroups = groups
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.decoupled = decoupled
    }

    /// Parameter groups with their own rates and weight decay.
    public convenience init(groups: [ParameterGroup], beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8) {
        self.init(groups: groups, beta1: beta1, beta2: beta2, eps: eps, decoupled: false)
    }

    public func step() throws {
        stepCount += 1
        try forEachUpdatable(self) { index, parameter, grad, group in
            let m = try state.buffer("exp_avg", of: index, like: parameter)
            let v = try state.buffer("exp_avg_sq", of: index, like: parameter)
            state.markUsed("exp_avg", of: index)
            let step = state.incrementStep(of: index)
            try parameter.backend.adamStep(param: parameter.storage, grad: grad.storage, m: m.storage, v: v.storage, count: parameter.count,
                                           lr: group.learningRate, beta1: beta1, beta2: beta2, eps: eps,
                                           weightDecay: group.weightDecay, decoupled: decoupled, step: step)
        }
    }

    public func stateTensors() -> [(String, Tensor)] { state.named }

    public func loadState(_ tensors: [String: Tensor], stepCount: Int) throws {
        try state.load(tensors, parameters: allParameters, steps: stepCount)
        self.stepCount = stepCount
    }
}

/// Adam with decoupled weight decay (Loshchilov & Hutter): param *= 1 - lr * weightDecay before the Adam update.
public final class AdamW: Adam {
    public convenience init(_ parameters: [Parameter], learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999,
                            eps: Float = 1e-8, weightDecay: Float = 0.01) {
        self.init(groups: [ParameterGroup(parameters, learningRate: learningRate, weightDecay: weightDecay)],
                  beta1: beta1, beta2: beta2, eps: eps, decoupled: true)
    }

    public convenience init(groups: [ParameterGroup], beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8) {
        self.init(groups: groups, beta1: beta1, beta2: beta2, eps: eps, decoupled: true)
    }
}
