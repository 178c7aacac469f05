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

    public func forward(_ input: Tensor) throws -> Tensor {
        var output = input
        for (index, layer) in layers.enumerated() {
            do {
                output = try layer(output)
            } catch let error as FoveaError {
                // Name the layer when it is the one left behind on another device (added after `to(_:)`).
                guard case .deviceMismatch = error, let stray = layer.parameters.first(where: { $0.device != output.device }) else {
                    throw error
                }
                throw FoveaError.deviceMismatch(op: "Sequential layer \(index) (\(layer.typeName))", stray.device, output.device)
            }
        }
        return output
    }

    public override var namedChildren: [(String, Module)] {
        layers.enumerated().map { (String($0.offset), $0.element) }
    }
}
