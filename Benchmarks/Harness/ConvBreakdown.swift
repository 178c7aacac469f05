import FoveaCore

/// The im2col + GEMM path of `ConvolutionBackend`'s default passes, as separate steps for `--profile`
/// (it shows where a convolution's time goes: unfolding, GEMM, scattering). Only for batches that fit one im2col chunk.
struct ConvBreakdown {
    let backend: any Backend
    let geometry: ConvolutionGeometry

    private var fitsOneChunk: Bool { geometry.imagesPerChunk >= geometry.batch && geometry.groups == 1 }
    private var columnCount: Int { geometry.groupPatch * geometry.batch * geometry.outputPlane }
    private var rowCount: Int { geometry.outChannels * geometry.batch * geometry.outputPlane }
    private var m: Int { geometry.batch * geometry.outputPlane }

    func forward(x: Storage, weight: Storage, bias: Storage?, y: Storage) throws -> [Step] {
        guard fitsOneChunk else { return [] }
        let (g, backend) = (geometry, backend)
        let columns = try backend.allocate(columnCount), rows = try backend.allocate(rowCount)
        let d = GemmDescriptor(m: g.outChannels, n: m, k: g.groupPatch)
        return [
            Step(name: "im2col") { try backend.im2col(x, geometry: g, batchStart: 0, batchCount: g.batch, into: columns) },
            Step(name: "gemm") { try backend.gemm(d, a: weight, b: columns, c: rows) },
            Step(name: "convScatterOutput") {
                try backend.convScatterOutput(rows, bias: bias, geometry: g, batchStart: 0, batchCount: g.batch, into: y)
            },
        ]
    }

    func backwardData(gradOutput: Storage, weight: Storage, gradInput: Storage) throws -> [Step] {
        guard fitsOneChunk else { return [] }
        let (g, backend) = (geometry, backend)
        let columns = try backend.allocate(columnCount), rows = try backend.allocate(rowCount)
        let d = GemmDescriptor(m: g.groupPatch, n: m, k: g.outChannels, transposeA: true)
        return [
            Step(name: "convGatherOutput") {
                try backend.convGatherOutput(gradOutput, geometry: g, batchStart: 0, batchCount: g.batch, into: rows)
            },
            Step(name: "gemm") { try backend.gemm(d, a: weight, b: rows, c: columns) },
            Step(name: "col2im") {
                try backend.col2im(columns, geometry: g, batchStart: 0, batchCount: g.batch, into: gradInput)
            },
        ]
    }

    func backwardWeight(gradOutput: Storage, input: Storage, gradWeight: Storage) throws -> [Step] {
        guard fitsOneChunk else { return [] }
        let (g, backend) = (geometry, backend)
        let columns = try backend.allocate(columnCount), rows = try backend.allocate(rowCount)
        let d = GemmDescriptor(m: g.outChannels, n: g.groupPatch, k: m, transposeB: true)
        return [
            Step(name: "im2col") { try backend.im2col(input, geometry: g, batchStart: 0, batchCount: g.batch, into: columns) },
            Step(name: "convGatherOutput") {
                try backend.convGatherOutput(gradOutput, geometry: g, batchStart: 0, batchCount: g.batch, into: rows)
            },
            Step(name: "gemm") { try backend.gemm(d, a: rows, b: columns, c: gradWeight) },
        ]
    }
}
