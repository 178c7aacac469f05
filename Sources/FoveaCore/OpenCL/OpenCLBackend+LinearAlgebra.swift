import COpenCL

extension OpenCLBackend: LinearAlgebraBackend, LayoutBackend {
    public func gemm(_ d: GemmDescriptor, a: Storage, b: Storage, c: Storage) throws {
        let ta = d.transposeA ? CLBlastTransposeYes : CLBlastTransposeNo
        let tb = d.transposeB ? CLBlastTransposeYes : CLBlastTransposeNo
        let (ba, bb, bc) = (Self.buffer(a).buffer, Self.buffer(b).buffer, Self.buffer(c).buffer)
        let status: CLBlastStatusCode = context.withQueue(profileName: Self.profileName(d)) { queue, event in
            if d.batch == 1 {
                return CLBlastSgemm(CLBlastLayoutRowMajor, ta, tb, d.m, d.n, d.k, d.alpha,
                                    ba, d.offsetA, d.lda, bb, d.offsetB, d.ldb, d.beta, bc, d.offsetC, d.ldc, queue, event)
            }
            return CLBlastSgemmStridedBatched(CLBlastLayoutRowMajor, ta, tb, d.m, d.n, d.k, d.alpha,
                                              ba, d.offsetA, d.lda, d.strideA, bb, d.offsetB, d.ldb, d.strideB, d.beta,
                                              bc, d.offsetC, d.ldc, d.strideC, d.batch, queue, event)
        }
        try checkCL(status.rawValue, "CLBlastSgemm\(d.batch == 1 ? "" : "StridedBatched")(m: \(d.m), n: \(d.n), k: \(d.k), batch: \(d.batch))")
    }

    /// How a GEMM appears in profiles: `CLBlast sgemm MxNxK` with the transpositions (and the batch when > 1).
    private static func profileName(_ d: GemmDescriptor) -> String {
        "CLBlast sgemm \(d.m)x\(d.n)x\(d.k) \(d.transposeA ? "T" : "N")\(d.transposeB ? "T" : "N")" + (d.batch == 1 ? "" : " batch \(d.batch)")
    }

    public func permute(_ x: Storage, shape: Shape, permutation: [Int], into out: Storage) throws {
        let rank = shape.rank
        guard rank <= 8 else { throw FoveaError.invalidArgument("permute: rank \(rank) exceeds 8") }
        let inStrides = shape.strides
        var outDims = permutation.map { shape[$0] }, strides = permutation.map { inStrides[$0] }
        // Pad to rank 8 with leading size-1 axes.
        outDims = [Int](repeating: 1, count: 8 - rank) + outDims
        strides = [Int](repeating: 0, count: 8 - rank) + strides
        var arguments: [KernelArgument] = [.buffer(x), .buffer(out), .int(shape.count)]
        arguments += outDims.map { .int($0) } + strides.map { .int($0) }
        try context.launch("permute", program: "layout", global: [shape.count], arguments: arguments)
    }

    public func copyRows(from source: Storage, offset sourceOffset: Int, stride sourceStride: Int,
                         to destination: Storage, offset destinationOffset: Int, stride destinationStride: Int,
                         rows: Int, columns: Int) throws {
        try run("copy_rows", in: "layout", global: [columns, rows],
                .buffer(source), .int(sourceOffset), .int(sourceStride),
                .buffer(destination), .int(destinationOffset), .int(destinationStride), .int(rows), .int(columns))
    }
}
