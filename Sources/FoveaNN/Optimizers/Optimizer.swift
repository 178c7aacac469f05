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

/// Per-parameter state kept by an optimizer, created on the parameter's device at first use.
final class OptimizerState {
    private(set) var buffers: [Int: [String: Tensor]] = [:]
    /// Buffers that hold values from a previous step (SGD's first step copies the gradient instead of blending).
    private var used: Set<String> = []
    /// Steps taken per parameter (Adam's bias correction counts steps in which the parameter had a gradient).
    private var steps: [Int: Int] = [:]

    func wasUsed(_ name: String, of index: Int) -> Bool { used.contains("\(index).\(name)") }
    func markUsed(_ name: String, of index: Int) { used.insert("\(index).\(name)") }

    /// Increments and returns the step count of parameter `index` (1 on its first step).
    func incrementStep(of index: Int) -> Int {
        steps[index, default: 0] += 1
        return steps[index]!
    }

    /// The buffer `name` of parameter `index`, zero-filled like `parameter` when new, and moved along when the
    /// parameter has moved to another device since the last step.
    func buffer(_ name: String, of index: Int, like parameter: Tensor) throws -> Tensor {
        if let existing = buffers[index]?[name] {
            if existing.device == parameter.device { return existing }
            let moved = try existing.to(parameter.device)
            buffers[index]![name] = moved
            return moved
        }
        let fresh = try Tensor.zeros(parameter.shape, device: parameter.device)
        buffers[index, default: [:]][name] = fresh
        return fresh
    }

    func hasBuffer(_ name: String, of index: Int) -> Bool { buffers[index]?[name] != nil }

    var named: [(String, Tensor)] {
        buffers.keys.sorted().flatMap { index in buffers[index]!.keys.sorted().map { ("\(index).\($0)", buffers[index]![$0]!) } }
    }

    /// Restores buffers; every restored parameter is taken to have taken `steps` steps.
    func load(_ tensors: [String: Tensor], parameters: [Parameter], steps stepCount: Int = 0) throws {
        var loaded: [Int: [String: Tensor]] = [:]
        for (key, tensor) in tensors {
            let parts = key.split(separator: ".", maxSplits: 1)
            guard parts.count == 2, let index = Int(parts[0]), index < parameters.count else {
                throw FoveaError.invalidArgument("optimizer state '\(key)' names no parameter (\(parameters.count) parameters)")
            }
            let parameter = parameters[index].value
            guard tensor.shape == parameter.shape else {
                throw FoveaError.invalidArgument("optimizer state '\(key)': shape \(tensor.shape) does not match parameter \(parameter.shape)")
            }
            loaded[index, default: [:]][String(parts[1])] = try tensor.detach().to(parameter.device)
        }
        buffers = loaded
        used = Set(loaded.flatMap { index, named in named.keys.map { "\(index).\($0)" } })
        steps = Dictionary(uniqueKeysWithValues: loaded.keys.map { ($0, stepCount) })
    }
}
