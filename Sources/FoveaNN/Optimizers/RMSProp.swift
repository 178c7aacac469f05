import FoveaCore

/// RMSProp as PyTorch implements it (alpha 0.99, optional momentum, optional centering).
public final class RMSProp: Optimizer {
    public let parameterGroups: [ParameterGroup]
    public var alpha: Float, eps: Float, momentum: Float, centered: Bool
    public private(set) var stepCount = 0
    private let state = OptimizerState()

    public convenience init(_ parameters: [Parameter], learningRate: Float = 0.01, alpha: Float = 0.99, eps: Float = 1e-8,
                            momentum: Float = 0, centered: Bool = false, weightDecay: Float = 0) {
        self.init(groups: [ParameterGroup(parameters, learningRate: learningRate, weightDecay: weightDecay)],
                  alpha: alpha, eps: eps, momentum: momentum, centered: centered)
    }

    /// Parameter groups with their own rates and weight decay.
    public init(groups: [ParameterGroup], alpha: Float = 0.99, eps: Float = 1e-8, momentum: Float = 0, centered: Bool = false) {
        parameterGroups = groups
        self.alpha = alpha; self.eps = eps; self.momentum = momentum; self.centered = centered
    }

    public func step() throws {
        stepCount += 1
        try forEachUpdatable(self) { index, parameter, grad, group in
            let squareAvg = try state.buffer("square_avg", of: index, like: parameter)
            let gradAvg = centered ? try state.buffer("grad_avg", of: index, like: parameter) : nil
            let buffer = momentum > 0 ? try state.buffer("momentum_buffer", of: index, like: parameter) : nil
            try parameter.backend.rmspropStep(param: parameter.storage, grad: grad.storage, squareAvg: squareAvg.storage,
                                              gradAvg: gradAvg?.storage, momentumBuffer: buffer?.storage, count: parameter.count,
                                              lr: group.learningRate, alpha: alpha, eps: eps, weightDecay: group.weightDecay, momentum: momentum)
        }
    }

    public func stateTensors() -> [(String, Tensor)] { state.named }

    public func loadState(_ tensors: [String: Tensor], stepCount: Int) throws {
        try state.load(tensors, parameters: allParameters)
        self.stepCount = stepCount
    }
}

/// Adagrad: per-element rates that shrink with the sum of squared gradients.
public final class Adagrad: Optimizer {
    public let parameterGroups: [ParameterGroup]
    public var eps: Float, learningRateDecay: Float
    public private(set) var stepCount = 0
    private let state = OptimizerState()

    public convenience init(_ parameters: [Parameter], learningRate: Float = 0.01, learningRateDecay: Float = 0, eps: Float = 1e-10,
                            weightDecay: Float = 0) {
        self.init(groups: [ParameterGroup(parameters, learningRate: learningRate, weightDecay: weightDecay)],
                  learningRateDecay: learningRateDecay, eps: eps)
    }

    /// Parameter groups with their own rates and weight decay.
    public init(groups: [ParameterGroup], learningRateDecay: Float = 0, eps: Float = 1e-10) {
        parameterGroups = groups
        self.eps = eps; self.learningRateDecay = learningRateDecay
    }

    public func step() throws {
        stepCount += 1
        try forEachUpdatable(self) { index, parameter, grad, group in
            let sum = try state.buffer("sum", of: index, like: parameter)
            let step = state.incrementStep(of: index)
            let rate = group.learningRate / (1 + Float(step - 1) * learningRateDecay)
            try parameter.backend.adagradStep(param: parameter.storage, grad: grad.storage, sum: sum.storage, count: parameter.count,
                                              lr: rate, eps: eps, weightDecay: group.weightDecay)
        }
    }

    public func stateTensors() -> [(String, Tensor)] { state.named }

    public func loadState(_ tensors: [String: Tensor], stepCount: Int) throws {
        try state.load(tensors, parameters: allParameters, steps: stepCount)
        self.stepCount = stepCount
    }
}
