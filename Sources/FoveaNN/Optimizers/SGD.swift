import FoveaCore

/// Stochastic gradient descent with optional momentum (PyTorch's rule, dampening and Nesterov included) and weight decay.
public final class SGD: Optimizer {
    public let parameterGroups: [ParameterGroup]
    public var momentum: Float, dampening: Float, nesterov: Bool
    public private(set) var stepCount = 0
    private let state = OptimizerState()

    public convenience init(_ parameters: [Parameter], learningRate: Float = 0.01, momentum: Float = 0, dampening: Float = 0,
                nesterov: Bool = false, weightDecay: Float = 0) {
        self.init(groups: [ParameterGroup(parameters, learningRate: learningRate, weightDecay: weightDecay)],
                  momentum: momentum, dampening: dampening, nesterov: nesterov)
    }

    public init(groups: [ParameterGroup], momentum: Float = 0, dampening: Float = 0, nesterov: Bool = false) {
        parameterGroups = groups
        self.momentum = momentum; self.dampening = dampening; self.nesterov = nesterov
    }

    public func step() throws {
        guard !nesterov || (momentum > 0 && dampening == 0) else {
            throw FoveaError.invalidArgument("SGD: Nesterov momentum requires momentum > 0 and zero dampening (momentum \(momentum), dampening \(dampening))")
        }
        stepCount += 1
        try forEachUpdatable(self) { index, parameter, grad, group in
            let buffer = momentum != 0 ? try state.buffer("momentum_buffer", of: index, like: parameter) : nil
            let isFirst = momentum != 0 && !state.wasUsed("momentum_buffer", of: index)
            try parameter.backend.sgdStep(param: parameter.storage, grad: grad.storage, momentumBuffer: buffer?.storage, count: parameter.count,
                                          lr: group.learningRate, momentum: momentum, dampening: dampening,
                                          weightDecay: group.weightDecay, nesterov: nesterov, isFirstStep: isFirst)
            if momentum != 0 { state.markUsed("momentum_buffer", of: index) }
        }
    }

    public func stateTensors() -> [(String, Tensor)] { state.named }

    public func loadState(_ tensors: [String: Tensor], stepCount: Int) throws {
        try state.load(tensors, parameters: allParameters)
        self.stepCount = stepCount
    }
}

/// Runs `body` for every parameter with a gradient that is not frozen, with its index in `allParameters` and its group.
func forEachUpdatable(_ optimizer: Optimizer, _ body: (Int, Tensor, Tensor, ParameterGroup) throws -> Void) throws {
    var index = 0
    try withNoGrad {
        for group in optimizer.parameterGroups {
            for parameter in group.parameters {
                defer { index += 1 }
                guard !parameter.isFrozen, let grad = parameter.value.grad else { continue }
                try parameter.value.checkSameDevice(grad, op: "optimizer step")
                try body(index, parameter.value, grad, group)
            }
        }
    }
}
