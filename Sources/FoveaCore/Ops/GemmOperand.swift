/// How a GEMM reads the matrices in a tensor's last two axes without copying: row-major or transposed with a leading
/// dimension, from an offset, one matrix after another at a fixed batch stride. Views (transposes, slices, broadcasts
/// of the batch axes) qualify when their layout is one of these; anything else is read from a dense copy.
struct GemmOperand {
    let storage: Storage
    let offset: Int
    /// Whether the stored matrix is the transpose of the logical one (its columns are contiguous).
    let transposed: Bool
    /// Distance between the stored matrix's rows.
    let leading: Int
    /// Distance between consecutive matrices of the batch axes (0 when they repeat one matrix).
    let batchStride: Int

    init(_ tensor: Tensor) throws {
        let r = tensor.rank, rows = tensor.shape[r - 2], columns = tensor.shape[r - 1]
        if let layout = Self.layout(tensor, rows: rows, columns: columns) {
            storage = tensor.sharedStorage
            offset = tensor.storageOffset
            (transposed, leading, batchStride) = layout
        } else {
            storage = try tensor.storage
            offset = 0
            (transposed, leading, batchStride) = (false, max(columns, 1), rows * columns)
        }
    }

    /// The layout of `tensor`'s matrices, or nil when a GEMM cannot read them in place.
    private static func layout(_ tensor: Tensor, rows: Int, columns: Int) -> (Bool, Int, Int)? {
        let r = tensor.rank, rowStride = tensor.strides[r - 2], columnStride = tensor.strides[r - 1]
        guard let batchStride = uniformBatchStride(tensor) else { return nil }
        if columnStride == 1 || columns == 1 {
            let leading = rows == 1 ? max(columns, 1) : rowStride
            if leading >= max(columns, 1) { return (false, leading, batchStride) }
        }
        if rowStride == 1 || rows == 1 {
            let leading = columns == 1 ? max(rows, 1) : columnStride
            if leading >= max(rows, 1) { return (true, leading, batchStride) }
        }
        return nil
    }

    /// One stride that steps through every matrix of the batch axes in order, if there is one.
    private static func uniformBatchStride(_ tensor: Tensor) -> Int? {
        let axes = (0..<(tensor.rank - 2)).filter { tensor.shape[$0] != 1 }
        guard let innermost = axes.last else { return 0 }
        var expected = tensor.strides[innermost]
        for axis in axes.reversed() {
            guard tensor.strides[axis] == expected else { return nil }
            expected *= tensor.shape[axis]
        }
        return tensor.strides[innermost]
    }
}
