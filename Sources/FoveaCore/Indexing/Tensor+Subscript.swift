/// Subscripts: `x[0]`, `x[1..<3]`, `x[2...]`, `x[-1]`, `x[0..., 2]`, `x[stride(from: 0, to: 6, by: 2)]`, and `x[ids]`,
/// with in-place assignment to a selection (`assign`, `fill(_:at:)`).
extension Tensor {
    /// The entries selected along the leading axes (the rest are kept whole); an `Int` removes its axis.
    /// The result is a view sharing storage; its backward adds into the base's single gradient buffer.
    public subscript(_ indices: any TensorIndex...) -> Tensor {
        get throws { try select(indices) }
    }

    /// Rows of axis 0 picked by an Int32 index tensor (PyTorch's `x[ids]`): the result has shape ids.shape + shape[1...].
    public subscript(_ indices: Tensor) -> Tensor {
        get throws { try gather(rows: indices) }
    }

    /// The entries `indices` select, one per leading axis.
    public func select(_ indices: [any TensorIndex]) throws -> Tensor {
        let selection = try StridedSelection(indices, of: shape)
        let inView = selection.placed(strides: strides, offset: storageOffset)
        let result = Tensor(
            viewOf: self, shape: selection.resultShape, strides: selection.resultStrides(inView), offset: inView.offset)
        // The gradient buffer is dense: the same entries, placed in its row-major layout.
        let inGradient = selection.placed(strides: shape.strides, offset: 0)
        return recordGradients(result, op: "subscript", inputs: [self], saving: .nothing) { grad, _ in
            [
                .accumulate { buffer in
                    try buffer.backend.scatterStrided(
                        grad.storage, into: buffer.storage, offset: inGradient.offset, strides: inGradient.strides,
                        shape: selection.shape, accumulate: true)
                }
            ]
        }
    }

    /// Writes `value`, broadcast to the selection's shape, into the entries `indices` select, in place: PyTorch's
    /// `x[indices] = value`. The write goes through views into the storage they share (`try x[0].assign(y)` changes
    /// `x`). Only for tensors outside autograd (`requiresGrad` false), whose other users would not see the write in
    /// their gradients, and not through a broadcast view (several entries would share one place).
    public func assign(_ value: Tensor, at indices: any TensorIndex...) throws {
        try checkSameDevice(value, op: "assign")
        guard value.dtype == dtype else {
            throw FoveaError.invalidArgument(
                "assign: value dtype \(value.dtype) differs from the tensor's \(dtype); convert with to(dtype:)")
        }
        try write(value, at: indices, op: "assign")
    }

    /// Sets the entries `indices` select to `value`, in place: PyTorch's `x[1..<3] = 0` or `x[1:3].fill_(0)`. An Int32
    /// tensor takes an integral value.
    public func fill(_ value: Float, at indices: any TensorIndex...) throws {
        let filler: Tensor
        if dtype == .int32 {
            guard let integral = Int32(exactly: value) else {
                throw FoveaError.invalidArgument("fill: \(value) is not an int32 value for an int32 tensor")
            }
            filler = try Tensor(int32: [integral], shape: [], device: device)
        } else {
            filler = try Tensor.full([], value: value, device: device)
        }
        try write(filler, at: indices, op: "fill")
    }

    /// Writes `value` (broadcast) into the selected entries of the shared storage.
    private func write(_ value: Tensor, at indices: [any TensorIndex], op: String) throws {
        guard !requiresGrad else {
            throw FoveaError.invalidArgument(
                "\(op): the tensor requires grad; write into a copy made under withNoGrad or detach()")
        }
        guard zip(shape.dims, strides).allSatisfy({ $0 <= 1 || $1 != 0 }) else {
            throw FoveaError.invalidArgument(
                "\(op): the tensor is a broadcast view (stride 0 on an axis of shape \(shape)); write into contiguous()")
        }
        let selection = try StridedSelection(indices, of: shape)
        let place = selection.placed(strides: strides, offset: storageOffset)
        let source = try withNoGrad { try value.broadcast(to: selection.resultShape) }
        sharedStorage.version += 1
        try backend.scatterStrided(
            source.storage, into: sharedStorage, offset: place.offset, strides: place.strides, shape: selection.shape,
            accumulate: false)
    }
}

/// The entries a subscript selects, one `AxisSelection` per axis of the base: `shape` has an entry per base axis (1 on
/// dropped axes), `resultShape` drops them. `placed` says where the entries lie in a given layout of the base.
struct StridedSelection {
    /// Where the selected entries lie: from `offset` through `strides` (one per base axis) over `shape`.
    struct Placement {
        let offset: Int
        let strides: [Int]
    }

    let shape: Shape
    let resultShape: Shape
    private let selections: [AxisSelection]

    init(_ indices: [any TensorIndex], of base: Shape) throws {
        guard indices.count <= base.rank else {
            throw FoveaError.invalidArgument(
                "subscript: \(indices.count) indices for a tensor of rank \(base.rank) (shape \(base))")
        }
        selections = try (0..<base.rank).map { axis in
            axis < indices.count ? try indices[axis].selection(axis: axis, size: base[axis]) : AxisSelection.all(base[axis])
        }
        shape = Shape(selections.map(\.count))
        resultShape = Shape(selections.filter { !$0.dropsAxis }.map(\.count))
    }

    /// The entries in a base laid out by `strides` from `offset`.
    func placed(strides: [Int], offset: Int) -> Placement {
        Placement(
            offset: offset + zip(selections, strides).map { $0.start * $1 }.reduce(0, +),
            strides: zip(selections, strides).map { $0.step * $1 })
    }

    /// A placement's strides without the dropped axes: the result view's own.
    func resultStrides(_ placement: Placement) -> [Int] {
        zip(selections, placement.strides).filter { !$0.0.dropsAxis }.map(\.1)
    }
}
