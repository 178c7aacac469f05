import FoveaCore

/// An operation that joins several symbols of a functional model (Keras' merge layers); it has no parameters.
enum Merge {
    /// Elementwise sum of tensors of one shape (a skip connection).
    case add
    /// Concatenation along an axis counted with the batch axis (0), which it must not be.
    case concatenate(axis: Int)

    /// The type shown in summaries ("Add", "Concatenate", as Keras' merge layers).
    var typeName: String {
        switch self {
        case .add: "Add"
        case .concatenate: "Concatenate"
        }
    }

    /// The merge of `tensors`.
    func apply(_ tensors: [Tensor]) throws -> Tensor {
        switch self {
        case .add: try tensors.dropFirst().reduce(tensors[0]) { try $0 + $1 }
        case .concatenate(let axis): try Tensor.concatenate(tensors, axis: axis)
        }
    }
}

/// The elementwise sum of `symbols` (Keras' `Add()`), which must have one shape; at least two.
public func add(_ symbols: [SymbolicTensor]) throws -> SymbolicTensor {
    guard symbols.count >= 2 else { throw FoveaError.invalidArgument("add: needs at least 2 symbols, got \(symbols.count)") }
    for other in symbols.dropFirst() where other.shape != symbols[0].shape {
        throw FoveaError.invalidArgument("add: shapes \(symbols[0]) and \(other) differ")
    }
    return SymbolicTensor(shape: symbols[0].shape, source: .merge(.add, arguments: symbols))
}

/// `symbols` joined along `axis` (Keras' `Concatenate(axis)`; the axis counts the batch axis as 0, -1 is the last).
/// The other axes must match; at least two.
public func concatenate(_ symbols: [SymbolicTensor], axis: Int = -1) throws -> SymbolicTensor {
    guard symbols.count >= 2 else {
        throw FoveaError.invalidArgument("concatenate: needs at least 2 symbols, got \(symbols.count)")
    }
    let rank = symbols[0].shape.rank + 1
    guard (-rank..<rank).contains(axis), (axis + rank) % rank != 0 else {
        throw FoveaError.invalidArgument("concatenate: axis \(axis) is not a sample axis of \(symbols[0]) (axis 0 is the batch)")
    }
    let merge = Merge.concatenate(axis: (axis + rank) % rank)
    do {
        let shape = try SymbolicTensor.inferShape(of: symbols, on: .cpu, merge.apply)
        return SymbolicTensor(shape: shape, source: .merge(merge, arguments: symbols))
    } catch let error as FoveaError {
        throw FoveaError.invalidArgument(
            "concatenate on axis \(axis): shapes \(symbols.map(\.description).joined(separator: " and ")) do not fit (\(error))")
    }
}
