/// Reshaping, permuting, joining and slicing.
extension Tensor {
    /// The same data in another shape; one dimension may be -1 (inferred). A view sharing storage when this tensor is
    /// contiguous, else a reshaped contiguous copy (as PyTorch's reshape).
    public func reshaped(_ newShape: Shape) throws -> Tensor {
        var dims = newShape.dims
        let inferred = dims.indices.filter { dims[$0] == -1 }
        guard inferred.count <= 1 else {
            throw FoveaError.invalidArgument("reshape: only one dimension can be -1, got \(newShape)")
        }
        if let axis = inferred.first {
            let known = dims.enumerated().filter { $0.offset != axis }.map(\.element).reduce(1, *)
            guard known > 0, count % known == 0 else { throw FoveaError.shapeMismatch(op: "reshape", shape, newShape) }
            dims[axis] = count / known
        }
        let resolved = Shape(dims)
        guard resolved.count == count, dims.allSatisfy({ $0 >= 0 }) else {
            throw FoveaError.shapeMismatch(op: "reshape", shape, newShape)
        }
        let source = try contiguous()
        let original = shape
        return source.view(shape: resolved, strides: resolved.strides, offset: source.storageOffset, op: "reshape") {
            try $0.reshaped(original)
        }
    }

    public func reshaped(_ dims: Int...) throws -> Tensor { try reshaped(Shape(dims)) }

    /// Removes `axis` (of size 1), or every axis of size 1 when nil. A view sharing storage.
    public func squeezed(axis: Int? = nil) throws -> Tensor {
        let kept: [Int]
        if let axis {
            let resolved = try shape.normalizedAxis(axis, op: "squeeze")
            guard shape[resolved] == 1 else {
                throw FoveaError.invalidArgument(
                    "squeeze: axis \(resolved) of shape \(shape) has size \(shape[resolved]), not 1")
            }
            kept = (0..<rank).filter { $0 != resolved }
        } else {
            kept = (0..<rank).filter { shape[$0] != 1 }
        }
        let original = shape
        return view(shape: Shape(kept.map { shape[$0] }), strides: kept.map { strides[$0] }, offset: storageOffset, op: "squeeze")
        {
            try $0.reshaped(original)
        }
    }

    /// Inserts an axis of size 1 at `axis` (in 0...rank; negative counts from the end of the result). Shares storage.
    public func unsqueezed(axis: Int) throws -> Tensor {
        let resolved = axis < 0 ? axis + rank + 1 : axis
        guard resolved >= 0, resolved <= rank else {
            throw FoveaError.invalidArgument("unsqueeze: axis \(axis) is outside -\(rank + 1)...\(rank) for shape \(shape)")
        }
        var dims = shape.dims, newStrides = strides
        dims.insert(1, at: resolved)
        newStrides.insert(resolved < rank ? strides[resolved] * shape[resolved] : 1, at: resolved)
        return view(shape: Shape(dims), strides: newStrides, offset: storageOffset, op: "unsqueeze") {
            try $0.squeezed(axis: resolved)
        }
    }

    /// Keeps the first `startAxis` axes and folds the rest into one (Keras' Flatten with startAxis 1).
    public func flattened(startAxis: Int = 0) throws -> Tensor {
        let axis = try shape.normalizedAxis(startAxis, op: "flatten")
        return try reshaped(Shape(Array(shape.dims[..<axis]) + [shape.dims[axis...].reduce(1, *)]))
    }

    /// Reorders axes: result axis i is input axis `permutation[i]`. A view sharing storage (call `contiguous()` for a
    /// row-major copy).
    public func permuted(_ permutation: [Int]) throws -> Tensor {
        guard permutation.sorted() == Array(0..<rank) else {
            throw FoveaError.invalidArgument("permute: \(permutation) is not a permutation of the axes of shape \(shape)")
        }
        if permutation == Array(0..<rank) { return self }
        var inverse = [Int](repeating: 0, count: rank)
        for (i, p) in permutation.enumerated() { inverse[p] = i }
        return view(
            shape: Shape(permutation.map { shape[$0] }), strides: permutation.map { strides[$0] }, offset: storageOffset,
            op: "permute"
        ) { try $0.permuted(inverse) }
    }

    public func permuted(_ permutation: Int...) throws -> Tensor { try permuted(permutation) }

    /// Swaps two axes (the last two by default, a matrix transpose).
    public func transposed(_ axis0: Int = -2, _ axis1: Int = -1) throws -> Tensor {
        let a = try shape.normalizedAxis(axis0, op: "transpose"), b = try shape.normalizedAxis(axis1, op: "transpose")
        var permutation = Array(0..<rank)
        permutation.swapAt(a, b)
        return try permuted(permutation)
    }

    /// Joins tensors along `axis`; all other dimensions must match.
    public static func concatenate(_ tensors: [Tensor], axis: Int = 0) throws -> Tensor {
        guard let first = tensors.first else { throw FoveaError.invalidArgument("concatenate: no tensors") }
        let axis = try first.shape.normalizedAxis(axis, op: "concatenate")
        for t in tensors.dropFirst() {
            try first.checkSameDevice(t, op: "concatenate")
            guard t.dtype == first.dtype else {
                throw FoveaError.invalidArgument(
                    "concatenate: dtypes \(first.dtype) and \(t.dtype) differ; convert one with to(dtype:)")
            }
            var a = first.shape.dims, b = t.shape.dims
            guard a.count == b.count else { throw FoveaError.shapeMismatch(op: "concatenate", first.shape, t.shape) }
            a[axis] = 0; b[axis] = 0
            guard a == b else { throw FoveaError.shapeMismatch(op: "concatenate", first.shape, t.shape) }
        }
        var dims = first.shape.dims
        dims[axis] = tensors.map { $0.shape[axis] }.reduce(0, +)
        let result = try Tensor.empty(Shape(dims), dtype: first.dtype, device: first.device)
        let (outer, total, inner) = result.shape.split(at: axis)
        var position = 0
        let backend = try first.backend
        for t in tensors {
            let size = t.shape[axis]
            let (source, offset) = try t.rowMajorElements
            try backend.copyRows(
                from: source, offset: offset, stride: size * inner,
                to: result.storage, offset: position * inner, stride: total * inner,
                rows: outer, columns: size * inner)
            position += size
        }
        let sizes = tensors.map { $0.shape[axis] }
        return first.record(result, op: "concatenate", inputs: tensors, saving: .nothing) { grad, _ in
            var start = 0
            return try sizes.map { size in
                defer { start += size }
                return try grad.slice(axis: axis, start: start, count: size)
            }
        }
    }

    /// `count` consecutive entries along `axis` starting at `start`: a view sharing storage. The backward adds into the
    /// base's single gradient buffer, so many slices of one tensor (time steps) share one full-size gradient.
    public func slice(axis: Int = 0, start: Int, count length: Int) throws -> Tensor {
        let axis = try shape.normalizedAxis(axis, op: "slice")
        guard start >= 0, length >= 0, start + length <= shape[axis] else {
            throw FoveaError.invalidArgument("slice: \(start)..<\(start + length) is outside axis \(axis) of shape \(shape)")
        }
        var dims = shape.dims
        dims[axis] = length
        let sliced = Shape(dims), denseStrides = shape.strides
        let result = Tensor(viewOf: self, shape: sliced, strides: strides, offset: storageOffset + start * strides[axis])
        return recordGradients(result, op: "slice", inputs: [self], saving: .nothing) { grad, _ in
            [
                .accumulate { buffer in
                    try buffer.backend.scatterStrided(
                        grad.storage, into: buffer.storage, offset: start * denseStrides[axis], strides: denseStrides,
                        shape: sliced, accumulate: true)
                }
            ]
        }
    }
}
