import FoveaCore

/// Builds a list of modules from a `Sequential { ... }` block.
@resultBuilder
public enum ModuleBuilder {
    public static func buildExpression(_ module: Module) -> [Module] { [module] }
    public static func buildExpression(_ modules: [Module]) -> [Module] { modules }
    public static func buildBlock(_ parts: [Module]...) -> [Module] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [Module]?) -> [Module] { part ?? [] }
    public static func buildEither(first part: [Module]) -> [Module] { part }
    public static func buildEither(second part: [Module]) -> [Module] { part }
    public static func buildArray(_ parts: [[Module]]) -> [Module] { parts.flatMap { $0 } }
}

/// Modules applied one after another. Children are named "0", "1", ... as in PyTorch.
public final class Sequential: Module {
    /// The modules, in order (Keras' `layers`).
    public private(set) var layers: [Module]

    public init(_ layers: [Module] = []) {
        self.layers = layers
        super.init()
    }

    public convenience init(@ModuleBuilder _ build: () throws -> [Module]) rethrows {
        self.init(try build())
    }

    /// Appends a module (Keras' `add`).
    public func add(_ layer: Module) {
        layer.train(isTraining)
        layers.append(layer)
    }

    /// Removes and returns the last module (Keras' `pop`).
    @discardableResult
    public func pop() throws -> Module {
        guard let last = layers.popLast() else { throw FoveaError.invalidArgument("Sequential.pop(): no layers to remove") }
        return last
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        try layers.reduce(input) { try $1($0) }
    }

    public override var namedChildren: [(String, Module)] {
        layers.enumerated().map { (String($0.offset), $0.element) }
    }
}
