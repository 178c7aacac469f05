import CBLAS

extension CPUBackend: LinearAlgebraBackend, LayoutBackend {
    public func gemm(_ d: GemmDescriptor, a: Storage, b: Storage, c: Storage) throws {
        let pa = Self.pointer(a), pb = Self.pointer(b), pc = Self.pointer(c)
        for i in 0..<d.batch {
            cblas_sgemm(CblasRowMajor,
                        d.transposeA ? CblasTrans : CblasNoTrans, d.transposeB ? CblasTrans : CblasNoTrans,
                        Int32(d.m), Int32(d.n), Int32(d.k), d.alpha,
                        pa + d.offsetA + i * d.strideA, Int32(d.lda),
                        pb + d.offsetB + i * d.strideB, Int32(d.ldb), d.beta,
                        pc + d.offsetC + i * d.strideC, Int32(d.ldc))
        }
    }

    public func permute(_ x: Storage, shape: Shape, permutation: [Int], into out: Storage) throws {
        let src = Self.pointer(x), dst = Self.pointer(out)
        let inStrides = shape.strides
        let outDims = permutation.map { shape[$0] }
        let strides = permutation.map { inStrides[$0] }   // input stride of each output axis
        let rank = outDims.count
        guard rank > 0 else { dst[0] = src[0]; return }
        let innerCount = outDims[rank - 1], innerStride = strides[rank - 1]
        let rows = shape.count / max(innerCount, 1)
        parallelFor(rows, grain: max(1, 16_384 / max(innerCount, 1))) { range in
            for row in range {
                var remaining = row, offset = 0
                for axis in stride(from: rank - 2, through: 0, by: -1) {
                    offset += (remaining % outDims[axis]) * strides[axis]
                    remaining /= outDims[axis]
                }
                let o = dst + row * innerCount
                for j in 0..<innerCount { o[j] = src[offset + j * innerStride] }
            }
        }
    }

    public func copyRows(from source: Storage, offset sourceOffset: Int, stride sourceStride: Int,
                         to destination: Storage, offset destinationOffset: Int, stride destinationStride: Int,
                         rows: Int, columns: Int) throws {
        let src = Self.pointer(source) + sourceOffset, dst = Self.pointer(destination) + destinationOffset
        for r in 0..<rows {
            (dst + r * destinationStride).update(from: src + r * sourceStride, count: columns)
        }
    }
}
