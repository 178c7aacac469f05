import FoveaCore

/// Stochastic gradient descent with optional momentum (PyTorch's rule, dampening and Nesterov included) and weight decay.
public final class SGD: OptimizerBase {
    public var momentum: Float, dampening: Float, nesterov: Bool

    public convenience init(
        _ parameters: [Parameter], learningRate: Float = 0.01, momentum: Float = 0, dampening: Float = 0,
        nesterov: Bool = false, weightDecay: Float = 0
    ) {
        self.init(
            groups: [ParameterGroup(parameters, learningRate: learningRate, weightDecay: weightDecay)],
            momentum: momentum, dampening: dampening, nesterov: nesterov)
    }

    /// Parameter groups with their own rates and weight decay.
    public init(groups: [ParameterGroup], momentum: Float = 0, dampening: Float = 0, nesterov: Bool = false) {
        self.momentum = momentum; self.dampening = dampening; self.nesterov = nesterov
        super.init(groups: groups)
    }

    override func validate() throws {
        try super.validate()
        guard !nesterov || (momentum > 0 && dampening == 0) else {
            throw FoveaError.invalidArgument(
                "SGD: Nesterov momentum requires momentum > 0 and zero dampening (momentum \(momentum), dampening \(dampening))")
        }
    }

    override func update(_ parameter: Tensor, grad: Tensor, group: ParameterGroup, index: Int) throws {
        // The first step copies the gradient into a new momentum buffer instead of blending.
        let isFirst = momentum != 0 && !state.hasBuffer("momentum_buffer", of: index)
        let buffer = momentum != 0 ? try state.buffer("momentum_buffer", of: index, like: parameter) : nil
        try parameter.backend.sgdStep(
            param: parameter.writableStorage(op: typeName), grad: grad.storage, momentumBuffer: buffer?.storage,
            count: parameter.count,
            lr: group.learningRate, momentum: momentum, dampening: dampening,
            weightDecay: group.weightDecay, nesterov: nesterov, isFirstStep: isFirst)
    }
}
