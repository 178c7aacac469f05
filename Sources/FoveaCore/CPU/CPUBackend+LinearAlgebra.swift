import CBLAS
import Foundation

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
        } else if Self.ownThreadsOnly && d.alpha == 1 && d.m >= Self.packedGemmMinimum {
            Self.packedGemm(d, pa, pb, pc)
        } else if work >= Self.openBLASThreadingWork && !Self.ownThreadsOnly {
            // A large product: OpenBLAS's own threads split it with less overhead than a split of ours, and its
            // threads' idle spinning afterwards is small next to the product itself. Its thread count is process-wide:
            // OpenBLASThreads keeps every other call out meanwhile.
            OpenBLASThreads.multiple(Self.workers) { Self.sgemm(d, pa, pb, pc, m: d.m, n: d.n, threaded: true) }
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

    /// The product, then the bias and the activation in one pass over C (not a bias copy before the GEMM and an
    /// activation pass after it).
    public func gemm(
        _ d: GemmDescriptor, a: Storage, b: Storage, c: Storage, rowBias: Storage?, activation: ConvolutionActivation
    ) throws {
        precondition(d.beta == 0 && d.batch == 1, "gemm with a row bias: beta 0 and one matrix only")
        try gemm(d, a: a, b: b, c: c)
        if rowBias == nil && activation == .identity { return }
        let out = Self.pointer(c) + d.offsetC, bias = rowBias.map { UnsafePointer(Self.pointer($0)) }
        let (columns, stride) = (d.n, d.ldc)
        parallelFor(d.m, grain: max(1, 16_384 / max(columns, 1))) { rows in
            for row in rows {
                let values = out + row * stride
                if let bias { for j in 0..<columns { values[j] += bias[j] } }
                switch activation {
                case .identity: break
                case .relu: for j in 0..<columns where values[j] < 0 { values[j] = 0 }
                case .sigmoid: for j in 0..<columns { values[j] = Self.sigmoid(values[j]) }
                case .tanh: for j in 0..<columns { values[j] = tanh(values[j]) }
                }
            }
        }
    }

    /// Rows of C from which `withOwnThreads` multiplies with `PackedMatrix`: packing B is worth it over many rows.
    static let packedGemmMinimum = 64

    /// C = op(A) op(B) + beta C on Fovea's workers with `CVectorKernels`'s kernels: op(B) packed once (each core its
    /// panels), then each core its block of rows of C.
    static func packedGemm(
        _ d: GemmDescriptor, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>
    ) {
        let packed = PackedMatrix(k: d.k, n: d.n, b, ldb: d.ldb, transposed: d.transposeB, parallel: true)
        parallelParts((d.m + 15) / 16, parts: workers) { _, blocks in
            let i0 = blocks.lowerBound * 16, i1 = min(d.m, blocks.upperBound * 16)
            packed.multiply(
                m: i1 - i0, a + (d.transposeA ? i0 : i0 * d.lda), lda: d.lda, transposedA: d.transposeA, beta: d.beta,
                c + i0 * d.ldc, ldc: d.ldc)
        }
    }

    /// Multiply-adds from which one product is left to OpenBLAS's threads (a 256^3 product).
    static let openBLASThreadingWork = 1 << 24

    /// Runs `body` with this thread's large GEMMs split across Fovea's workers instead of OpenBLAS's threads. After
    /// a threaded product OpenBLAS's threads spin (sched_yield) for a while, taking cores from the parallel loops that
    /// follow: around the recurrence's per-block loops that made an LSTM layer's forward and backward (batch 64, 100
    /// steps, hidden 256) about 1.4x slower. Those with at least `packedGemmMinimum` rows run as
    /// `packedGemm`.
    static func withOwnThreads<T>(_ body: () throws -> T) rethrows -> T {
        let key = "fovea.ownThreadsOnly", previous = Thread.current.threadDictionary[key]
        Thread.current.threadDictionary[key] = true
        defer { Thread.current.threadDictionary[key] = previous }
        return try body()
    }

    /// Whether this thread is inside `withOwnThreads`.
    static var ownThreadsOnly: Bool { Thread.current.threadDictionary["fovea.ownThreadsOnly"] as? Bool ?? false }

    /// Multiply-adds below which a GEMM runs on the calling thread.
    static let gemmGrain = 1 << 17

    /// An m x n block of C with the descriptor's k, transposes, scalars and leading dimensions.
    @inline(__always)
    static func sgemm(
        _ d: GemmDescriptor, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, threaded: Bool = false
    ) {
        matmul(
            m: m, n: n, k: d.k, a, d.lda, d.transposeA, b, d.ldb, d.transposeB, d.beta, c, d.ldc, alpha: d.alpha,
            threaded: threaded)
    }

    /// Row-major C (m x n, ldc) = alpha * op(A) * op(B) + beta * C on the calling thread.
    ///
    /// OpenBLAS multiplies small matrices without packing them, which is much faster, but not A * B^T (column-major
    /// "TN") when m * n > 1200: such products are done in column blocks that qualify. `threaded`: the caller holds
    /// `OpenBLASThreads.multiple`; otherwise each call runs under `OpenBLASThreads.single`.
    static func matmul(
        m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ transposeA: Bool,
        _ b: UnsafePointer<Float>, _ ldb: Int, _ transposeB: Bool, _ beta: Float,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, alpha: Float = 1, threaded: Bool = false
    ) {
        @inline(__always) func call(_ n: Int, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>) {
            @inline(__always) func sgemm() {
                cblas_sgemm(
                    CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
            }
            if threaded { sgemm() } else { OpenBLASThreads.single(sgemm) }
        }
        let widest = 1200 / max(m, 1)
        guard !transposeA, transposeB, m * n > 1200, widest >= 8, k >= 32, widest * m * k <= 1_000_000 else {
            call(n, b, c)
            return
        }
        let blocks = (n + widest - 1) / widest
        for block in 0..<blocks {
            let j0 = n * block / blocks, j1 = n * (block + 1) / blocks
            call(j1 - j0, b + j0 * ldb, c + j0)
        }
    }

    public func copyRows(
        from source: Storage, offset sourceOffset: Int, stride sourceStride: Int,
        to destination: Storage, offset destinationOffset: Int, stride destinationStride: Int,
        rows: Int, columns: Int
    ) throws {
        let src = Self.words(source) + sourceOffset, dst = Self.words(destination) + destinationOffset
        for r in 0..<rows {
            (dst + r * destinationStride).update(from: src + r * sourceStride, count: columns)
        }
    }

    public func gatherRows(_ x: Storage, indices: Storage, rows: Int, columns: Int, count: Int, into out: Storage) throws {
        let src = Self.words(x), index = Self.int32Pointer(indices), dst = Self.words(out)
        parallelFor(count, grain: Swift.max(1, 16_384 / Swift.max(columns, 1))) { range in
            for i in range {
                let row = Int(index[i])
                if row >= 0 && row < rows {
                    (dst + i * columns).update(from: src + row * columns, count: columns)
                } else {
                    (dst + i * columns).update(repeating: 0, count: columns)
                }
            }
        }
    }

    public func scatterAddRows(_ source: Storage, indices: Storage, rows: Int, columns: Int, count: Int, into out: Storage) throws
    {
        let src = Self.pointer(source), index = Self.int32Pointer(indices), dst = Self.pointer(out)
        // Split by columns, so each part walks every index in order: deterministic, and no two parts touch one element.
        parallelFor(columns, grain: Swift.max(1, 16_384 / Swift.max(count, 1))) { part in
            for i in 0..<count {
                let row = Int(index[i])
                guard row >= 0 && row < rows else { continue }
                let from = src + i * columns, to = dst + row * columns
                for c in part { to[c] += from[c] }
            }
        }
    }
}
