import FoveaCore

/// Folds all axes after the batch axis into one: [N, C, H, W] -> [N, C*H*W].
public final class Flatten: Module, UnaryLayer {
    public let startAxis: Int
    public init(startAxis: Int = 1) { self.startAxis = startAxis; super.init() }
    public func forward(_ input: Tensor) throws -> Tensor { try input.flattened(startAxis: startAxis) }
}

/// Passes its input through unchanged (a placeholder in model definitions, e.g. a removed head).
public final class Identity: Module, UnaryLayer {
    public func forward(_ input: Tensor) throws -> Tensor { input }
}
