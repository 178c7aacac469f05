/// Subscripts: `x[0]`, `x[1..<3]`, `x[2...]`, `x[-1]`, `x[0..., 2]`, `x[stride(from: 0, to: 6, by: 2)]`, and `x[ids]`.
extension Tensor {
    /// The entries selected along the leading axes (the rest are kept whole); an `Int` removes its axis.
    /// The result is a copy (one strided-gather kernel); its backward adds into the base's single gradient buffer.
    public subscript(_ indices: any TensorIndex...) -> Tensor {
        get throws { try select(indices) }
    }

    /// Rows of axis 0 picked by an Int32 index tensor (PyTorch's `x[ids]`): the result has shape ids.shape + shape[1...].
    public subscript(_ indices: Tensor) -> Tensor {
        get throws { try gather(rows: indices) }
    }

    /// The entries `indices` select, one per leading axis.
    public func select(_ indices: [any TensorIndex]) throws -> Tensor {
        guard indices.count <= rank else {
            throw FoveaError.invalidArgument("subscript: \(indices.count) indices for a tensor of rank \(rank) (shape \(shape))")
        }
        let selections = try (0..<rank).map { axis in
            axis < indices.count ? try indices[axis].selection(axis: axis, size: shape[axis]) : AxisSelection.all(shape[axis])
        }
        let base = shape.strides
        let offset = zip(selections, base).map { $0.start * $1 }.reduce(0, +)
        let strides = zip(selections, base).map { $0.step * $1 }
        let gathered = Shape(selections.map(\.count))
        let resultShape = Shape(selections.filter { !$0.dropsAxis }.map(\.count))
        let result = try Tensor.empty(resultShape, dtype: dtype, device: device)
        try backend.expand(storage, offset: offset, strides: strides, into: result.storage, shape: gathered)
        return recordGradients(result, op: "subscript", inputs: [self]) { grad, _ in
            [.accumulate { buffer in
                try buffer.backend.addStrided(grad.storage, into: buffer.storage, offset: offset, strides: strides, shape: gathered)
            }]
        }
    }
}
