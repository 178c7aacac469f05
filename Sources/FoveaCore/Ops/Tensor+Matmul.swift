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
        var descriptor = GemmDescriptor(m: m, n: n, k: k)
        descriptor.batch = batch
        descriptor.strideA = batchA.isEmpty ? 0 : m * k
        descriptor.strideB = batchB.isEmpty ? 0 : k * n
        descriptor.strideC = m * n
        try backend.gemm(descriptor, a: storage, b: other.storage, c: result.storage)
        return record(result, op: "matmul", inputs: [self, other]) { [self] grad, _ in
            // dA = dC * B^T, dB = A^T * dC, summed over the batch where a side was shared.
            var gradA: Tensor?, gradB: Tensor?
            if self.requiresGrad {
                let g = try Tensor.empty(self.shape, device: self.device)
                if batchA.isEmpty && batch > 1 {
                    // Shared A: fold the batch into rows of dC ([batch*m] x n is not contiguous per m), accumulate with beta.
                    try self.backend.fill(g.storage, offset: 0, count: g.count, value: 0)
                    for i in 0..<batch {
                        var d = GemmDescriptor(m: m, n: k, k: n, transposeB: true, beta: 1)
                        d.offsetA = i * m * n; d.offsetB = batchB.isEmpty ? 0 : i * k * n
                        try self.backend.gemm(d, a: grad.storage, b: other.storage, c: g.storage)
                    }
                } else {
                    var d = GemmDescriptor(m: m, n: k, k: n, transposeB: true)
                    d.batch = batch; d.strideA = m * n; d.strideB = descriptor.strideB; d.strideC = m * k
                    try self.backend.gemm(d, a: grad.storage, b: other.storage, c: g.storage)
                }
                gradA = g
            }
            if other.requiresGrad {
                let g = try Tensor.empty(other.shape, device: other.device)
                if batchB.isEmpty && batch > 1 {
                    if batchA.isEmpty {
                        try self.backend.fill(g.storage, offset: 0, count: g.count, value: 0)
                        for i in 0..<batch {
                            var d = GemmDescriptor(m: k, n: n, k: m, transposeA: true, beta: 1)
                            d.offsetB = i * m * n
                            try self.backend.gemm(d, a: self.storage, b: grad.storage, c: g.storage)
                        }
                    } else {
                        // A is [batch, m, k] contiguous = [(batch*m), k]; dC likewise: one GEMM sums the batch.
                        let d = GemmDescriptor(m: k, n: n, k: batch * m, transposeA: true)
                        try self.backend.gemm(d, a: self.storage, b: grad.storage, c: g.storage)
                    }
                } else {
                    var d = GemmDescriptor(m: k, n: n, k: m, transposeA: true)
                    d.batch = batch; d.strideA = descriptor.strideA; d.strideB = m * n; d.strideC = k * n
                    try self.backend.gemm(d, a: self.storage, b: grad.storage, c: g.storage)
                }
                gradB = g
            }
            return [gradA, gradB]
        }
    }
}
