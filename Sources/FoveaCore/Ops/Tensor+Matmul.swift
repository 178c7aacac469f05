/// Matrix products through the backend's GEMM.
extension Tensor {
    /// Matrix product over the last two axes. Either side may carry batch axes; a 2-D side is shared by the batch.
    /// Vectors are not promoted: reshape them to [1, n] or [n, 1].
    public func matmul(_ other: Tensor) throws -> Tensor {
        try requireDType(.float32, op: "matmul")
        try other.requireDType(.float32, op: "matmul")
        try checkSameDevice(other, op: "matmul")
        guard rank >= 2, other.rank >= 2, shape[rank - 1] == other.shape[other.rank - 2] else {
            throw FoveaError.shapeMismatch(op: "matmul", shape, other.shape)
        }
        let m = shape[rank - 2], k = shape[rank - 1], n = other.shape[other.rank - 1]
        let batchA = Array(shape.dims.dropLast(2)), batchB = Array(other.shape.dims.dropLast(2))
        guard batchA.isEmpty || batchB.isEmpty || batchA == batchB else {
            throw FoveaError.shapeMismatch(op: "matmul", shape, other.shape)
        }
        let batchDims = batchA.isEmpty ? batchB : batchA
        let batch = batchDims.reduce(1, *)
        let result = try Tensor.empty(Shape(batchDims + [m, n]), device: device)
        // Transposed, sliced or batch-broadcast views are read in place through the GEMM's flags and strides.
        let a = try GemmOperand(self), b = try GemmOperand(other)
        var descriptor = GemmDescriptor(m: m, n: n, k: k, transposeA: a.transposed, transposeB: b.transposed)
        descriptor.lda = a.leading; descriptor.ldb = b.leading
        descriptor.offsetA = a.offset; descriptor.offsetB = b.offset
        descriptor.batch = batch
        descriptor.strideA = batchA.isEmpty ? 0 : a.batchStride
        descriptor.strideB = batchB.isEmpty ? 0 : b.batchStride
        descriptor.strideC = m * n
        try backend.gemm(descriptor, a: a.storage, b: b.storage, c: result.storage)
        return record(result, op: "matmul", inputs: [self, other], saving: .operands(self, other)) { [self] grad, _ in
            // dA = dC * B^T, dB = A^T * dC, summed over the batch where a side was shared; A and B are read as in the
            // forward (flags, leading dimensions and offsets), so views are not copied here either.
            var gradA: Tensor?, gradB: Tensor?
            let gradC = try grad.storage
            if self.requiresGrad {
                let g = try Tensor.empty(self.shape, device: self.device)
                var d = GemmDescriptor(m: m, n: k, k: n, transposeB: !b.transposed)
                d.ldb = b.leading; d.offsetB = b.offset
                if batchA.isEmpty && batch > 1 {
                    // Shared A: accumulate each matrix's product into one gradient with beta 1.
                    try self.backend.fill(g.storage, offset: 0, count: g.count, value: 0)
                    d.beta = 1
                    for i in 0..<batch {
                        d.offsetA = i * m * n; d.offsetB = b.offset + (batchB.isEmpty ? 0 : i * b.batchStride)
                        try self.backend.gemm(d, a: gradC, b: b.storage, c: g.storage)
                    }
                } else {
                    d.batch = batch; d.strideA = m * n; d.strideB = descriptor.strideB; d.strideC = m * k
                    try self.backend.gemm(d, a: gradC, b: b.storage, c: g.storage)
                }
                gradA = g
            }
            if other.requiresGrad {
                let g = try Tensor.empty(other.shape, device: other.device)
                var d = GemmDescriptor(m: k, n: n, k: m, transposeA: !a.transposed)
                d.lda = a.leading; d.offsetA = a.offset
                if batchB.isEmpty && batch > 1 {
                    if !batchA.isEmpty && !a.transposed && a.leading == k && a.batchStride == m * k {
                        // A is [batch, m, k] packed = [(batch*m), k]; dC likewise: one GEMM sums the batch.
                        d.k = batch * m
                        try self.backend.gemm(d, a: a.storage, b: gradC, c: g.storage)
                    } else {
                        try self.backend.fill(g.storage, offset: 0, count: g.count, value: 0)
                        d.beta = 1
                        for i in 0..<batch {
                            d.offsetA = a.offset + (batchA.isEmpty ? 0 : i * a.batchStride); d.offsetB = i * m * n
                            try self.backend.gemm(d, a: a.storage, b: gradC, c: g.storage)
                        }
                    }
                } else {
                    d.batch = batch; d.strideA = descriptor.strideA; d.strideB = m * n; d.strideC = k * n
                    try self.backend.gemm(d, a: a.storage, b: gradC, c: g.storage)
                }
                gradB = g
            }
            return [gradA, gradB]
        }
    }
}
