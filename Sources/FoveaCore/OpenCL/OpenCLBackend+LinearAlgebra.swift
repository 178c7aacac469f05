import COpenCL

extension OpenCLBackend: LinearAlgebraBackend, LayoutBackend {
    /// CLBlast, except for small products on CPU devices: there CLBlast's kernels run at about 1-2 GFLOP/s on LeNet's
    /// layers and `gemm_small_*` (Kernels/gemm.cl) are 5-8x faster. GPUs always use CLBlast.
    public func gemm(_ d: GemmDescriptor, a: Storage, b: Storage, c: Storage) throws {
        if usesSmallGemm(d) { return try smallGemm(d, a: a, b: b, c: c, rowBias: nil, activation: .identity) }
        let ta = d.transposeA ? CLBlastTransposeYes : CLBlastTransposeNo
        let tb = d.transposeB ? CLBlastTransposeYes : CLBlastTransposeNo
        let (ba, bb, bc) = (Self.buffer(a).buffer, Self.buffer(b).buffer, Self.buffer(c).buffer)
        let status: CLBlastStatusCode = context.withQueue(profileName: Self.profileName(d)) { queue, event in
            CLBlastLock.run {
                if d.batch == 1 {
                    return CLBlastSgemm(
                        CLBlastLayoutRowMajor, ta, tb, d.m, d.n, d.k, d.alpha,
                        ba, d.offsetA, d.lda, bb, d.offsetB, d.ldb, d.beta, bc, d.offsetC, d.ldc, queue, event)
                }
                return CLBlastSgemmStridedBatched(
                    CLBlastLayoutRowMajor, ta, tb, d.m, d.n, d.k, d.alpha,
                    ba, d.offsetA, d.lda, d.strideA, bb, d.offsetB, d.ldb, d.strideB, d.beta,
                    bc, d.offsetC, d.ldc, d.strideC, d.batch, queue, event)
            }
        }
        try checkCL(
            status.rawValue,
            "CLBlastSgemm\(d.batch == 1 ? "" : "StridedBatched")(m: \(d.m), n: \(d.n), k: \(d.k), batch: \(d.batch))")
    }

    /// The small GEMMs add the bias and apply the activation as they store C (no `copy_rows` or activation launch, so
    /// a cold PoCL step compiles neither: 0.1 s each).
    public func gemm(
        _ d: GemmDescriptor, a: Storage, b: Storage, c: Storage, rowBias: Storage?, activation: ConvolutionActivation
    ) throws {
        precondition(d.beta == 0 && d.batch == 1, "gemm with a row bias: beta 0 and one matrix only")
        guard usesSmallGemm(d) else {
            return try gemmThenBiasAndActivation(d, a: a, b: b, c: c, rowBias: rowBias, activation: activation)
        }
        try smallGemm(d, a: a, b: b, c: c, rowBias: rowBias, activation: activation)
    }

    /// The composition for CLBlast: the bias copied into every row of C, the product accumulated onto it (beta 1),
    /// then the activation in place.
    private func gemmThenBiasAndActivation(
        _ d: GemmDescriptor, a: Storage, b: Storage, c: Storage, rowBias: Storage?, activation: ConvolutionActivation
    ) throws {
        var product = d
        if let rowBias {
            try copyRows(
                from: rowBias, offset: 0, stride: 0, to: c, offset: d.offsetC, stride: d.ldc, rows: d.m, columns: d.n)
            product.beta = 1
        }
        try gemm(product, a: a, b: b, c: c)
        guard let op = activation.unaryOp else { return }
        precondition(d.offsetC == 0 && d.ldc == d.n, "gemm with an activation: a whole, unpadded C only")
        try unary(op, x: c, out: c, count: d.m * d.n, alpha: 0, beta: 0)
    }

    private func usesSmallGemm(_ d: GemmDescriptor) -> Bool { !context.info.isGPU && d.m * d.n * d.k <= 1 << 24 }

    /// Floats per vector of `gemm_small_*` (PX), and its build options.
    private var smallGemmWidth: Int { min(16, max(4, context.info.preferredFloatVectorWidth)) }
    var smallGemmOptions: String { "-DPX=\(smallGemmWidth)" }

    private func smallGemm(
        _ d: GemmDescriptor, a: Storage, b: Storage, c: Storage, rowBias: Storage?, activation: ConvolutionActivation
    ) throws {
        let width = smallGemmWidth
        let dotProducts = d.transposeB && !d.transposeA  // gemm.cl's vectors-along-k form, 2 x 4 dot products per item
        let rows = dotProducts ? 2 : 8
        let columns = dotProducts ? 4 : width
        let kernel: String, aStrides: [KernelArgument]
        if dotProducts {
            (kernel, aStrides) = ("gemm_small_nt", [])
        } else if d.transposeB {
            (kernel, aStrides) = ("gemm_small_tt", [])
        } else {  // op(A) through strides: (lda, 1) for A, (1, lda) for A transposed
            (kernel, aStrides) = ("gemm_small_rows", [.int(d.transposeA ? 1 : d.lda), .int(d.transposeA ? d.lda : 1)])
        }
        try context.launch(
            kernel, program: "gemm", options: smallGemmOptions,
            global: [(d.n + columns - 1) / columns, (d.m + rows - 1) / rows, d.batch],
            arguments: [
                .int(d.m), .int(d.n), .int(d.k), .float(d.alpha), .float(d.beta),
                .buffer(a), .int(d.offsetA), .int(d.lda), .int(d.strideA),
                .buffer(b), .int(d.offsetB), .int(d.ldb), .int(d.strideB),
                .buffer(c), .int(d.offsetC), .int(d.ldc), .int(d.strideC),
                .buffer(rowBias ?? c), .int(rowBias == nil ? 0 : 1), .int(activation.rawValue),
            ] + aStrides)
    }

    /// How a GEMM appears in profiles: `CLBlast sgemm MxNxK` with the transpositions (and the batch when > 1).
    private static func profileName(_ d: GemmDescriptor) -> String {
        "CLBlast sgemm \(d.m)x\(d.n)x\(d.k) \(d.transposeA ? "T" : "N")\(d.transposeB ? "T" : "N")"
            + (d.batch == 1 ? "" : " batch \(d.batch)")
    }

    public func copyRows(
        from source: Storage, offset sourceOffset: Int, stride sourceStride: Int,
        to destination: Storage, offset destinationOffset: Int, stride destinationStride: Int,
        rows: Int, columns: Int
    ) throws {
        try run(
            "copy_rows", in: "layout", global: [columns, rows],
            .buffer(source), .int(sourceOffset), .int(sourceStride),
            .buffer(destination), .int(destinationOffset), .int(destinationStride), .int(rows), .int(columns))
    }

    public func gatherRows(_ x: Storage, indices: Storage, rows: Int, columns: Int, count: Int, into out: Storage) throws {
        try run(
            "gather_rows", in: "layout", global: [columns, count],
            .buffer(x), .buffer(indices), .buffer(out), .int(rows), .int(columns), .int(count),
            .buffer(indexCheck.flagForLaunch(on: self)))
    }

    public func scatterAddRows(_ source: Storage, indices: Storage, rows: Int, columns: Int, count: Int, into out: Storage) throws
    {
        try run(
            "scatter_add_rows", in: "layout", global: [columns],
            .buffer(source), .buffer(indices), .buffer(out), .int(rows), .int(columns), .int(count))
    }
}
