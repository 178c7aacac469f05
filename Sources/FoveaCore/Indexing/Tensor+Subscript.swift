/// Subscripts: `x[0]`, `x[1..<3]`, `x[2...]`, `x[-1]`, `x[0..., 2]`, `x[stride(from: 0, to: 6, by: 2)]`, and `x[ids]`,
/// with in-place assignment to a selection (`assign`, `fill(_:at:)`).
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
        let plan = try StridedSelection(indices, of: shape)
        let result = try Tensor.empty(plan.resultShape, dtype: dtype, device: device)
        try backend.expand(storage, offset: plan.offset, strides: plan.strides, into: result.storage, shape: plan.shape)
        return recordGradients(result, op: "subscript", inputs: [self]) { grad, _ in
            [
                .accumulate { buffer in
                    try buffer.backend.scatterStrided(
                        grad.storage, into: buffer.storage, offset: plan.offset, strides: plan.strides,
                        shape: plan.shape, accumulate: true)
                }
            ]
        }
    }

    /// Writes `value`, broadcast to the selection's shape, into the entries `indices` select, in place: PyTorch's
    /// `x[indices] = value`. Only for tensors outside autograd (`requiresGrad` false and not computed by a recorded op),
    /// whose other users would not see the write in their gradients.
    public func assign(_ value: Tensor, at indices: any TensorIndex...) throws {
        guard !requiresGrad else {
            throw FoveaError.invalidArgument(
                "assign: the tensor requires grad; write into a copy made under withNoGrad or detach()")
        }
        try checkSameDevice(value, op: "assign")
        guard value.dtype == dtype else {
            throw FoveaError.invalidArgument(
                "assign: value dtype \(value.dtype) differs from the tensor's \(dtype); convert with to(dtype:)")
        }
        let plan = try StridedSelection(indices, of: shape)
        let source = try withNoGrad { try value.broadcast(to: plan.resultShape) }
        try backend.scatterStrided(
            source.storage, into: storage, offset: plan.offset, strides: plan.strides, shape: plan.shape,
            accumulate: false)
    }

    /// Sets the entries `indices` select to `value`, in place: PyTorch's `x[1..<3] = 0` or `x[1:3].fill_(0)`. An Int32
    /// tensor takes an integral value.
    public func fill(_ value: Float, at indices: any TensorIndex...) throws {
        guard !requiresGrad else {
            throw FoveaError.invalidArgument(
                "fill: the tensor requires grad; write into a copy made under withNoGrad or detach()")
        }
        let filler: Tensor
        if dtype == .int32 {
            guard let integral = Int32(exactly: value) else {
                throw FoveaError.invalidArgument("fill: \(value) is not an int32 value for an int32 tensor")
            }
            filler = try Tensor(int32: [integral], shape: [], device: device)
        } else {
            filler = try Tensor.full([], value: value, device: device)
        }
        let plan = try StridedSelection(indices, of: shape)
        let source = try filler.broadcast(to: plan.resultShape)
        try backend.scatterStrided(
            source.storage, into: storage, offset: plan.offset, strides: plan.strides, shape: plan.shape,
            accumulate: false)
    }
}

/// Where a subscript's entries lie in a contiguous tensor: from `offset` through `strides` over `shape` (one entry per
/// axis of the base, 1 on dropped axes), giving `resultShape` once dropped axes are removed.
struct StridedSelection {
    let offset: Int
    let strides: [Int]
    let shape: Shape
    let resultShape: Shape

    init(_ indices: [any TensorIndex], of base: Shape) throws {
        guard indices.count <= base.rank else {
            throw FoveaError.invalidArgument(
                "subscript: \(indices.count) indices for a tensor of rank \(base.rank) (shape \(base))")
        }
        let selections = try (0..<base.rank).map { axis in
            axis < indices.count ? try indices[axis].selection(axis: axis, size: base[axis]) : AxisSelection.all(base[axis])
        }
        let contiguous = base.strides
        offset = zip(selections, contiguous).map { $0.start * $1 }.reduce(0, +)
        strides = zip(selections, contiguous).map { $0.step * $1 }
        shape = Shape(selections.map(\.count))
        resultShape = Shape(selections.filter { !$0.dropsAxis }.map(\.count))
    }
}
