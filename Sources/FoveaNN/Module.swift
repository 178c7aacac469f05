import FoveaCore

/// The base of every layer and model: named parameters, buffers and children, training mode, device moves.
///
/// Subclasses keep parameters, buffers and sub-modules in stored properties; they are found by reflection and named
/// after the property, as PyTorch does (`conv1.weight`). A module of one tensor in and one out conforms to
/// `UnaryLayer` and writes `forward(_:)`; any other defines its own `callAsFunction` (several tensors in or out).
open class Module {
    /// Whether the module behaves as in training (Dropout drops, BatchNorm uses batch statistics).
    public private(set) var isTraining = true

    public init() {}

    /// The forward hooks registered on this module, in order (see `UnaryLayer.registerForwardHook(_:)`).
    var forwardHooks: [(id: ObjectIdentifier, hook: ForwardHook)] = []

    /// The name shown in summaries (the Swift type name).
    open var typeName: String { String(describing: type(of: self)) }

    /// Direct sub-modules with their names. The default reflects over stored properties
    /// (a `[Module]` property named `blocks` gives `blocks.0`, `blocks.1`, ...).
    open var namedChildren: [(String, Module)] {
        reflectedProperties().flatMap { name, value -> [(String, Module)] in
            if let module = value as? Module { return [(name, module)] }
            if let modules = value as? [Module] { return modules.enumerated().map { ("\(name).\($0.offset)", $0.element) } }
            return []
        }
    }

    /// This module's own parameters (not its children's), with their names
    /// (a `[Parameter]` property named `scales` gives `scales.0`, `scales.1`, ...).
    open var ownParameters: [(String, Parameter)] {
        reflectedProperties().flatMap { name, value -> [(String, Parameter)] in
            if let parameter = value as? Parameter { return [(name, parameter)] }
            if let parameters = value as? [Parameter] {
                return parameters.enumerated().map { ("\(name).\($0.offset)", $0.element) }
            }
            return []
        }
    }

    /// This module's own buffers, with their names.
    open var ownBuffers: [(String, Buffer)] {
        reflectedProperties().compactMap { name, value in (value as? Buffer).map { (name, $0) } }
    }

    /// Every parameter of this module and its descendants, with dotted paths (`features.0.weight`).
    /// A parameter reachable by several paths (a layer stored twice, tied weights) is listed once, under its first path.
    public var namedParameters: [(String, Parameter)] {
        Self.firstOccurrences(stateEntries.compactMap { name, entry in entry.parameter.map { (name, $0) } })
    }

    /// Every buffer of this module and its descendants, with dotted paths, each listed once.
    public var namedBuffers: [(String, Buffer)] {
        Self.firstOccurrences(stateEntries.compactMap { name, entry in entry.buffer.map { (name, $0) } })
    }

    /// Every parameter, each once, in a stable order.
    public var parameters: [Parameter] { namedParameters.map(\.1) }

    /// Number of scalar parameters (frozen ones included).
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// Switches this module and all descendants to training mode.
    public func train(_ training: Bool = true) {
        isTraining = training
        for (_, child) in namedChildren { child.train(training) }
    }

    /// Switches this module and all descendants to evaluation mode.
    public func eval() { train(false) }

    /// Moves every parameter and buffer to `device` and returns this module, so calls chain
    /// (`let model = try Net().to(device)`, `try model.to(.cpu).eval()`).
    @discardableResult
    public func to(_ device: Device) throws -> Self {
        for (_, parameter) in namedParameters where parameter.value.device != device {
            parameter.value = try Self.moved(parameter.value.detach(), to: device)
        }
        for (_, buffer) in namedBuffers where buffer.value.device != device {
            buffer.value = try Self.moved(buffer.value, to: device)
        }
        return self
    }

    /// `tensor` on `device`; a tensor with no elements (a lazy layer's placeholder) is made there, having nothing to copy.
    private static func moved(_ tensor: Tensor, to device: Device) throws -> Tensor {
        tensor.count == 0 ? try Tensor.empty(tensor.shape, device: device) : try tensor.to(device)
    }

    /// Clears the gradient of every parameter.
    public func zeroGrad() { for parameter in parameters { parameter.value.grad = nil } }

    /// Freezes (or unfreezes) every parameter of this module and its descendants.
    public func freeze(_ frozen: Bool = true) { for parameter in parameters { parameter.isFrozen = frozen } }

    /// A parameter or a buffer, as it appears in the state dict.
    enum StateEntry {
        case parameter(Parameter)
        case buffer(Buffer)

        var parameter: Parameter? { if case .parameter(let p) = self { return p }; return nil }
        var buffer: Buffer? { if case .buffer(let b) = self { return b }; return nil }
    }

    /// Every parameter and buffer under every path, in PyTorch's `state_dict` order: a module's own parameters,
    /// then its own buffers, then each child's entries in turn. Shared tensors appear once per path.
    var stateEntries: [(String, StateEntry)] {
        ownParameters.map { ($0.0, StateEntry.parameter($0.1)) } + ownBuffers.map { ($0.0, StateEntry.buffer($0.1)) }
            + namedChildren.flatMap { prefix, child in child.stateEntries.map { ("\(prefix).\($0.0)", $0.1) } }
    }

    private static func firstOccurrences<T: AnyObject>(_ entries: [(String, T)]) -> [(String, T)] {
        var seen = Set<ObjectIdentifier>()
        return entries.filter { seen.insert(ObjectIdentifier($0.1)).inserted }
    }

    private func reflectedProperties() -> [(String, Any)] {
        var result: [(String, Any)] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        var levels: [[(String, Any)]] = []
        while let current = mirror {
            levels.append(current.children.compactMap { child in child.label.map { (Self.publicName($0), child.value) } })
            mirror = current.superclassMirror
        }
        for level in levels.reversed() { result += level }
        return result
    }

    /// Strips the underscore of `lazy` or wrapped storage names.
    private static func publicName(_ label: String) -> String {
        label.hasPrefix("_") ? String(label.dropFirst()) : label
    }
}
