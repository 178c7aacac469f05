import FoveaCore

/// Builds a list of unary layers from a `Sequential { ... }` block; a module that is not a `UnaryLayer` does not
/// compile there.
@resultBuilder
public enum ModuleBuilder {
    public static func buildExpression(_ layer: any UnaryLayer) -> [any UnaryLayer] { [layer] }
    public static func buildExpression(_ layers: [any UnaryLayer]) -> [any UnaryLayer] { layers }
    public static func buildBlock(_ parts: [any UnaryLayer]...) -> [any UnaryLayer] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [any UnaryLayer]?) -> [any UnaryLayer] { part ?? [] }
    public static func buildEither(first part: [any UnaryLayer]) -> [any UnaryLayer] { part }
    public static func buildEither(second part: [any UnaryLayer]) -> [any UnaryLayer] { part }
    public static func buildArray(_ parts: [[any UnaryLayer]]) -> [any UnaryLayer] { parts.flatMap { $0 } }
}

/// Unary layers applied one after another. Children are named "0", "1", ... as in PyTorch.
///
/// Every entry is a `UnaryLayer`: a module of another signature (several tensors in or out) cannot be added, and the
/// compiler says so. A `GraphModel` is unary in type whatever its inputs; one of several inputs or outputs throws when
/// the `Sequential` runs it.
public final class Sequential: Module, UnaryLayer {
    /// The layers, in order (Keras' `layers`).
    public private(set) var layers: [any UnaryLayer]

    public init(_ layers: [any UnaryLayer] = []) {
        self.layers = layers
        super.init()
    }

    public convenience init(@ModuleBuilder _ build: () throws -> [any UnaryLayer]) rethrows {
        self.init(try build())
    }

    /// Appends a module (Keras' `add`), in the model's training mode.
    public func add(_ layer: any UnaryLayer) {
        insert(layer, at: layers.count)
    }

    /// Inserts a module before position `index` (PyTorch's `insert`), in the model's training mode.
    /// `index` must be in `0...layers.count`.
    public func insert(_ layer: any UnaryLayer, at index: Int) {
        layer.train(isTraining)
        layers.insert(layer, at: index)
    }

    /// Removes and returns the module at `index`, which must be a valid position.
    @discardableResult
    public func remove(at index: Int) -> any UnaryLayer {
        layers.remove(at: index)
    }

    /// Removes and returns the last module (Keras' `pop`).
    @discardableResult
    public func pop() throws -> any UnaryLayer {
        guard let last = layers.popLast() else { throw FoveaError.invalidArgument("Sequential.pop(): no layers to remove") }
        return last
    }

    /// The module at `index`; setting it replaces that module (`model[2] = Dense(84, 5)`), in the model's training mode.
    ///
    /// A module added after `to(_:)` stays where it was made: call `to(_:)` again (a forward that meets it on another
    /// device names it in its error).
    public subscript(index: Int) -> any UnaryLayer {
        get { layers[index] }
        set {
            newValue.train(isTraining)
            layers[index] = newValue
        }
    }

    /// Runs the layers in order. A `Conv2D` or `Dense` (`ActivationFusing`) followed by a `ReLU`, `Sigmoid` or `Tanh`,
    /// and a `BatchNorm` followed by a `ReLU`, run as one fused op (`forward(_:activation:)`, `BatchNorm.forward(_:relu:)`)
    /// unless either has forward hooks or a summary is being collected, which must see the activation layer run.
    public func forward(_ input: Tensor) throws -> Tensor {
        var output = input
        var index = 0
        while index < layers.count {
            let layer = layers[index]
            do {
                if let fusing = layer as? any ActivationFusing, let activation = fusableActivation(after: index) {
                    output = try fusing.forward(output, activation: activation)
                    index += 2
                    continue
                }
                if let norm = layer as? BatchNorm, fusableActivation(after: index) == .relu {
                    output = try norm.forward(output, relu: true)
                    index += 2
                    continue
                }
                output = try layer(output)
                index += 1
            } catch let error as FoveaError {
                // Name the layer when it is the one left behind on another device (added after `to(_:)`).
                guard case .deviceMismatch = error, let stray = layer.parameters.first(where: { $0.device != output.device })
                else {
                    throw error
                }
                throw FoveaError.deviceMismatch(op: "Sequential layer \(index) (\(layer.typeName))", stray.device, output.device)
            }
        }
        return output
    }

    /// The activation of layer `index + 1` when layers `index` and `index + 1` may run as one op.
    private func fusableActivation(after index: Int) -> ConvolutionActivation? {
        guard index + 1 < layers.count, layers[index].canRunFused, layers[index + 1].canRunFused else { return nil }
        switch layers[index + 1] {
        case is ReLU: return .relu
        case is Sigmoid: return .sigmoid
        case is Tanh: return .tanh
        default: return nil
        }
    }

    public override var namedChildren: [(String, Module)] {
        layers.enumerated().map { (String($0.offset), $0.element) }
    }
}
