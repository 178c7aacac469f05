import CBLAS

extension CPUBackend: LinearAlgebraBackend, LayoutBackend {
    /// Batched GEMMs run one matrix per core; a single large one is split into column (or row) blocks of C, one per core.
    public func gemm(_ d: GemmDescriptor, a: Storage, b: Storage, c: Storage) throws {
        let pa = Self.pointer(a) + d.offsetA, pb = Self.pointer(b) + d.offsetB, pc = Self.pointer(c) + d.offsetC
        let work = d.m * d.n * d.k
        if d.batch > 1 && d.strideC != 0 {
            parallelFor(d.batch, grain: max(1, Self.gemmGrain / max(work, 1))) { range in
                for i in range {
                    Self.sgemm(d, pa + i * d.strideA, pb + i * d.strideB, pc + i * d.strideC, m: d.m, n: d.n)
                }
            }
        } else if d.batch > 1 || work < Self.gemmGrain * 2 || Self.workers == 1 {
            for i in 0..<d.batch { Self.sgemm(d, pa + i * d.strideA, pb + i * d.strideB, pc, m: d.m, n: d.n) }
        } else if d.n >= d.m {
            // Columns j0..<j1 of op(B) and C.
            parallelParts(d.n / 16 + (d.n % 16 == 0 ? 0 : 1), parts: Self.workers) { _, blocks in
                let j0 = blocks.lowerBound * 16, j1 = min(d.n, blocks.upperBound * 16)
                Self.sgemm(d, pa, pb + (d.transposeB ? j0 * d.ldb : j0), pc + j0, m: d.m, n: j1 - j0)
            }
        } else {
            // Rows i0..<i1 of op(A) and C.
            parallelParts(d.m / 16 + (d.m % 16 == 0 ? 0 : 1), parts: Self.workers) { _, blocks in
                let i0 = blocks.lowerBound * 16, i1 = min(d.m, blocks.upperBound * 16)
                Self.sgemm(d, pa + (d.transposeA ? i0 : i0 * d.lda), pb, pc + i0 * d.ldc, m: i1 - i0, n: d.n)
            }
        }
    }

    /// Multiply-adds below which a GEMM runs on the calling thread.
    static let gemmGrain = 1 << 17

    /// One OpenBLAS call for an m x n block of C with the descriptor's k, transposes, scalars and leading dimensions.
    @inline(__always)
    static func sgemm(_ d: GemmDescriptor, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                      m: Int, n: Int) {
        cblas_sgemm(CblasRowMajor, d.transposeA ? CblasTrans : CblasNoTrans, d.transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(d.k), d.alpha, a, Int32(d.lda), b, Int32(d.ldb), d.beta, c, Int32(d.ldc))
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
