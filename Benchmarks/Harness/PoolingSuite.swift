import FoveaCore

/// 2x2 stride-2 max and average pooling, forward and backward, on VGG-sized activations.
enum PoolingSuite {
    /// (channels, height = width) of the pooled activations.
    static let planes = [(32, 32), (64, 16)]

    static func cases(batch: Int) -> [BenchmarkCase] {
        [PoolKind.max, .average].flatMap { kind in
            planes.flatMap { channels, size in
                let g = PoolingGeometry(
                    planes: batch * channels, height: size, width: size, kernel: 2, stride: 2,
                    padding: 0, output: Size2D(size / 2))
                let inputCount = g.planes * size * size, outputCount = inputCount / 4
                let label = "pool \(kind) \(channels)x\(size)x\(size) b\(batch)"
                return [
                    BenchmarkCase(suite: "pool", name: label + " fwd", work: .bytes(Double(4 * (inputCount + outputCount)))) {
                        target in
                        guard case .backend(let backend) = target else { return nil }
                        let x = try randomStorage(inputCount, on: backend), y = try backend.allocate(outputCount)
                        return Prepared { try backend.pool2d(kind, x, geometry: g, into: y) }
                    },
                    // Counts every tensor the primitive takes: gradOutput, input, output and gradInput.
                    BenchmarkCase(suite: "pool", name: label + " bwd", work: .bytes(Double(8 * (inputCount + outputCount)))) {
                        target in
                        guard case .backend(let backend) = target else { return nil }
                        let x = try randomStorage(inputCount, on: backend), y = try backend.allocate(outputCount)
                        try backend.pool2d(kind, x, geometry: g, into: y)
                        let gradOutput = try randomStorage(outputCount, on: backend, seed: 2)
                        let gradInput = try backend.allocate(inputCount)
                        return Prepared {
                            try backend.pool2dBackward(
                                kind, gradOutput: gradOutput, input: x, output: y, geometry: g, into: gradInput)
                        }
                    },
                ]
            }
        }
    }
}
