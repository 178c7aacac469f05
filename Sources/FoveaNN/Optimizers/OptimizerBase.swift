import FoveaCore

/// What every optimizer shares, as in PyTorch's `torch.optim.Optimizer` and mlx's `OptimizerBase`: the parameter
/// groups, the step count, per-parameter state and its saving and loading, and the checks made before each fused
/// update kernel runs. A subclass keeps only its hyper-parameters, their checks (`validate()`) and its update rule
/// (`update(_:grad:group:index:)`).
public class OptimizerBase: Optimizer {
    public let parameterGroups: [ParameterGroup]
    public private(set) var stepCount = 0
    /// Buffers (momentum, moment estimates) and step counts per parameter, keyed by the index in `allParameters`.
    let state = OptimizerState()

    init(groups: [ParameterGroup]) {
        parameterGroups = groups
    }

    /// Checks the hyper-parameters and every gradient, then updates each parameter that has a gradient and is not
    /// frozen, with one fused kernel each and no host sync. A failed check leaves every parameter and the state as they were.
    public func step() throws {
        try validate()
        var updates: [(index: Int, parameter: Tensor, grad: Tensor, group: ParameterGroup)] = []
        var index = 0
        for group in parameterGroups {
            for parameter in group.parameters {
                defer { index += 1 }
                guard !parameter.isFrozen, let grad = parameter.value.grad else { continue }
                try check(parameter.value, grad: grad)
                updates.append((index, parameter.value, grad, group))
            }
        }
        stepCount += 1
        try withNoGrad {
            for update in updates {
                try self.update(update.parameter, grad: update.grad, group: update.group, index: update.index)
            }
        }
    }

    public func stateTensors() -> [(String, Tensor)] { state.named }

    public func loadState(_ tensors: [String: Tensor], stepCount: Int) throws {
        try state.load(tensors, parameters: allParameters, steps: stepCount)
        self.stepCount = stepCount
    }

    /// Throws when a hyper-parameter is out of its domain. Subclasses check their own and call `super`.
    func validate() throws {
        for group in parameterGroups {
            let (rate, decay) = (group.learningRate, group.weightDecay)
            guard rate >= 0, rate.isFinite, decay >= 0, decay.isFinite else {
                throw FoveaError.invalidArgument(
                    "\(typeName): learning rate \(rate) and weight decay \(decay) must be finite and at least 0")
            }
        }
    }

    /// Applies the update rule in place to `parameter` (number `index` in `allParameters`), whose gradient `grad`
    /// has passed the checks. Subclasses override this.
    func update(_ parameter: Tensor, grad: Tensor, group: ParameterGroup, index: Int) throws {
        throw FoveaError.invalidArgument("\(typeName) does not implement update(_:grad:group:index:)")
    }

    /// The fused kernels read `count` elements of each buffer: the gradient must be the parameter's shape, on its device.
    private func check(_ parameter: Tensor, grad: Tensor) throws {
        try parameter.checkSameDevice(grad, op: "\(typeName) step")
        guard grad.shape == parameter.shape else {
            throw FoveaError.shapeMismatch(op: "\(typeName) step: gradient", grad.shape, parameter.shape)
        }
    }

    /// The optimizer's name in messages.
    var typeName: String { String(describing: type(of: self)) }
}
