/// Gathering rows by an Int32 index tensor (embedding lookups, `x[ids]`), with a scatter-add backward.
extension Tensor {
    /// Rows of axis 0 at `indices` (Int32, any shape): the result has shape indices.shape + shape[1...] and this
    /// tensor's dtype. The gradient adds each row's gradient back into its source row (repeated indices sum).
    ///
    /// Indices are validated: on the CPU before the gather; on OpenCL (without a host sync) the kernel records an
    /// out-of-range index and the next host read (`toArray`, `item`, `synchronize`) throws, naming it.
    public func gather(rows indices: Tensor) throws -> Tensor {
        try checkSameDevice(indices, op: "gather")
        guard indices.dtype == .int32 else {
            throw FoveaError.invalidArgument(
                "gather: indices must be int32, got \(indices.dtype); use Tensor(indices:) or to(dtype: .int32)")
        }
        guard rank >= 1 else { throw FoveaError.invalidArgument("gather: a 0-d tensor has no axis 0") }
        let rows = shape[0], columns = shape.dims.dropFirst().reduce(1, *), count = indices.count
        if indices.device == .cpu {
            for (position, index) in try indices.toInt32Array().enumerated() where !(index >= 0 && Int(index) < rows) {
                throw FoveaError.invalidArgument(
                    "gather: index \(index) at position \(position) is out of range for axis 0 of size \(rows)")
            }
        }
        let result = try Tensor.empty(Shape(indices.shape.dims + shape.dims.dropFirst()), dtype: dtype, device: device)
        try backend.gatherRows(
            storage, indices: indices.storage, rows: rows, columns: columns, count: count, into: result.storage)
        return recordGradients(result, op: "gather", inputs: [self], saving: .only([indices])) { grad, _ in
            [
                .accumulate { buffer in
                    try buffer.backend.scatterAddRows(
                        grad.storage, indices: indices.storage, rows: rows, columns: columns,
                        count: count, into: buffer.storage)
                }
            ]
        }
    }
}
