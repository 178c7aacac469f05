import FoveaCore

/// Parameters that share hyper-parameters (e.g. biases without weight decay, a layer with its own rate).
public final class ParameterGroup {
    public var parameters: [Parameter]
    public var learningRate: Float
    public var weightDecay: Float

    public init(_ parameters: [Parameter], learningRate: Float, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.weightDecay = weightDecay
    }
}

/// Updates parameters from their gradients. Each step is one fused kernel per parameter, with no host sync.
public protocol Optimizer: AnyObject {
    var parameterGroups: [ParameterGroup] { get }
    /// Applies one update to every parameter that has a gradient and is not frozen.
    func step() throws
    /// Steps taken so far.
    var stepCount: Int { get }
    /// Per-parameter state tensors (momentum buffers, moment estimates), named `<parameter index>.<buffer>`.
    func stateTensors() -> [(String, Tensor)]
    /// Restores state saved by `stateTensors()` and the step count.
    func loadState(_ tensors: [String: Tensor], stepCount: Int) throws
}

extension Optimizer {
    /// Every parameter of every group, in order (indices name optimizer state).
    public var allParameters: [Parameter] { parameterGroups.flatMap(\.parameters) }

    /// The learning rate of the first group; setting it sets every group's.
    public var learningRate: Float {
        get { parameterGroups.first?.learningRate ?? 0 }
        set { for group in parameterGroups { group.learningRate = newValue } }
    }

    /// Clears every parameter's gradient.
    public func zeroGrad() { for parameter in allParameters { parameter.value.grad = nil } }
}
