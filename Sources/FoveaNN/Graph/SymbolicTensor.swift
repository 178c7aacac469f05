import Foundation
import FoveaCore

/// A value in a functional model's graph (Keras' `KerasTensor`): no data, only the shape of one sample and how it is
/// computed. `Input(shape:)` makes one; calling a module or a merge (`add`, `concatenate`) on symbols makes more, and
/// `GraphModel(inputs:outputs:)` turns them into a model that runs on real tensors.
public final class SymbolicTensor: CustomStringConvertible {
    /// How a symbol is computed.
    enum Source {
        /// A model input, with the name the user gave it (if any).
        case input(name: String?)
        /// `layer` applied to `argument`; `name` is the layer's name when the user gave one at this call.
        case layer(any UnaryLayer, argument: SymbolicTensor, name: String?)
        /// A merge of several symbols.
        case merge(Merge, arguments: [SymbolicTensor])
    }

    /// The shape of one sample (without the batch axis), inferred when the symbol was made.
    public let shape: Shape
    let source: Source
    /// Creation order: a symbol is always made after its arguments, so sorting by it sorts a graph topologically.
    let order: Int

    private static let lock = NSLock()
    private static var made = 0

    init(shape: Shape, source: Source) {
        self.shape = shape
        self.source = source
        order = Self.lock.withLock {
            Self.made += 1; return Self.made
        }
    }

    /// The symbols this one is computed from.
    var arguments: [SymbolicTensor] {
        switch source {
        case .input: []
        case .layer(_, let argument, _): [argument]
        case .merge(_, let arguments): arguments
        }
    }

    /// Whether this symbol is a model input (made by `Input(shape:)`).
    var isInput: Bool { if case .input = source { true } else { false } }

    /// The shape with the batch axis shown as N (`[N, 4]`).
    public var description: String { "[N" + shape.dims.map { ", \($0)" }.joined() + "]" }

    /// Runs `compute` on zero tensors of batch 1 shaped as `arguments` (on `device`, without gradients) and returns the
    /// sample shape of its result: this is how symbols get their shapes, and how lazy layers get their sizes.
    static func inferShape(of arguments: [SymbolicTensor], on device: Device, _ compute: ([Tensor]) throws -> Tensor) throws
        -> Shape
    {
        let output = try withNoGrad {
            try compute(arguments.map { try Tensor.zeros(Shape([1] + $0.shape.dims), device: device) })
        }
        guard output.rank >= 1, output.shape[0] == 1 else {
            throw FoveaError.invalidArgument(
                "graph: a result of shape \(output.shape) for a batch of 1 does not keep the batch axis first")
        }
        return Shape(Array(output.shape.dims.dropFirst()))
    }
}

/// A model input of `shape` per sample, without the batch axis (Keras' `Input(shape=...)`); `name` shows in summaries.
// swift-format-ignore: AlwaysUseLowerCamelCase
public func Input(shape: Shape, name: String? = nil) -> SymbolicTensor {
    SymbolicTensor(shape: shape, source: .input(name: name))
}
