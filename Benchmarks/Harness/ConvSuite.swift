import FoveaCore

/// The three convolution passes of every reference layer, timed through the backend's primitives.
enum ConvSuite {
    enum Pass: String, CaseIterable, Codable {
        case forward = "fwd", backwardData = "bwd-data", backwardWeight = "bwd-weight"
    }

    static func cases(batches: [Int]) -> [BenchmarkCase] {
        batches.flatMap { batch in
            ConvShape.all.flatMap { shape in
                Pass.allCases.map { pass in
                    BenchmarkCase(
                        suite: "conv", name: name(shape, batch: batch, pass: pass), work: .flops(shape.flops(batch: batch)),
                        reference: .conv(shape, batch: batch, pass: pass.rawValue)
                    ) { target in
                        guard case .backend(let backend) = target else { return nil }
                        return try prepare(shape, batch: batch, pass: pass, on: backend)
                    }
                }
            }
        }
    }

    /// "conv vgg2 32->32 32x32 b32 fwd": shared with `pytorch_bench.py` through the spec file.
    static func name(_ shape: ConvShape, batch: Int, pass: Pass) -> String {
        "conv \(shape.label) b\(batch) \(pass.rawValue)"
    }

    static func geometry(_ shape: ConvShape, batch: Int) -> ConvolutionGeometry {
        ConvolutionGeometry(
            batch: batch, inChannels: shape.inChannels, height: shape.size, width: shape.size,
            outChannels: shape.outChannels, kernel: Size2D(shape.kernel), stride: Size2D(shape.stride),
            padding: Size2D(shape.padding), dilation: 1, groups: 1, output: Size2D(shape.outputSize))
    }

    private static func prepare(_ shape: ConvShape, batch: Int, pass: Pass, on backend: any Backend) throws -> Prepared {
        let g = geometry(shape, batch: batch)
        let inputCount = batch * shape.inChannels * shape.size * shape.size
        let outputCount = batch * shape.outChannels * g.outputPlane
        let weightCount = shape.outChannels * g.groupPatch
        let weight = try randomStorage(weightCount, on: backend, seed: 3)
        let breakdown = ConvBreakdown(backend: backend, geometry: g)
        switch pass {
        case .forward:
            let x = try randomStorage(inputCount, on: backend, seed: 1)
            let bias = try randomStorage(shape.outChannels, on: backend, seed: 4)
            let y = try backend.allocate(outputCount)
            return Prepared(
                body: { try backend.conv2d(x, weight: weight, bias: bias, geometry: g, into: y) },
                steps: { try breakdown.forward(x: x, weight: weight, bias: bias, y: y) })
        case .backwardData:
            let gradOutput = try randomStorage(outputCount, on: backend, seed: 2)
            let gradInput = try backend.allocate(inputCount)
            return Prepared(
                body: { try backend.conv2dBackwardData(gradOutput, weight: weight, geometry: g, into: gradInput) },
                steps: { try breakdown.backwardData(gradOutput: gradOutput, weight: weight, gradInput: gradInput) })
        case .backwardWeight:
            let x = try randomStorage(inputCount, on: backend, seed: 1)
            let gradOutput = try randomStorage(outputCount, on: backend, seed: 2)
            let gradWeight = try backend.allocate(weightCount)
            return Prepared(
                body: { try backend.conv2dBackwardWeight(gradOutput, input: x, geometry: g, into: gradWeight) },
                steps: { try breakdown.backwardWeight(gradOutput: gradOutput, input: x, gradWeight: gradWeight) })
        }
    }
}
