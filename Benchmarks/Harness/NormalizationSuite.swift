import FoveaCore

/// Batch norm + ReLU in training mode (batch statistics, running statistics updated), forward and backward, on the
/// activations of resnet-small's first and last stages and cnn-cifar's second block: memory-bound, in GB/s.
enum NormalizationSuite {
    /// (channels, height = width) of the normalized activations.
    static let planes = [(16, 32), (32, 32), (64, 8)]

    /// One forward's tensors on a backend, the forward run once (so the backward has its output and statistics).
    struct Forward {
        let backend: any Backend, shape: BatchNormShape
        let x: Storage, y: Storage, weight: Storage, bias: Storage
        let runningMean: Storage, runningVar: Storage, savedMean: Storage, savedInvStd: Storage

        init(on backend: any Backend, shape: BatchNormShape) throws {
            let count = shape.batch * shape.channels * shape.spatial, channels = shape.channels
            self.backend = backend; self.shape = shape
            x = try randomStorage(count, on: backend); y = try backend.allocate(count)
            weight = try randomStorage(channels, on: backend, seed: 3); bias = try randomStorage(channels, on: backend, seed: 4)
            runningMean = try backend.allocate(channels); runningVar = try backend.allocate(channels)
            try backend.fill(runningMean, offset: 0, count: channels, value: 0)
            try backend.fill(runningVar, offset: 0, count: channels, value: 1)
            savedMean = try backend.allocate(channels); savedInvStd = try backend.allocate(channels)
            try run()
        }

        func run() throws {
            try backend.batchNormForward(
                x, into: y, shape: shape, weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar,
                useBatchStatistics: true, momentum: 0.1, eps: 1e-5, savedMean: savedMean, savedInvStd: savedInvStd,
                relu: true)
        }
    }

    static func cases(batch: Int) -> [BenchmarkCase] {
        planes.flatMap { channels, size in
            let shape = BatchNormShape(batch: batch, channels: channels, spatial: size * size)
            let count = batch * channels * size * size, label = "batchnorm+relu \(channels)x\(size)x\(size) b\(batch)"
            return [
                // Reads x, writes the output.
                BenchmarkCase(suite: "norm", name: label + " fwd", work: .bytes(Double(8 * count))) { target in
                    guard case .backend(let backend) = target else { return nil }
                    let forward = try Forward(on: backend, shape: shape)
                    return Prepared { try forward.run() }
                },
                // Reads the output gradient, the output (ReLU's mask) and x, writes the input gradient.
                BenchmarkCase(suite: "norm", name: label + " bwd", work: .bytes(Double(16 * count))) { target in
                    guard case .backend(let backend) = target else { return nil }
                    let f = try Forward(on: backend, shape: shape)
                    let gradOut = try randomStorage(count, on: backend, seed: 2), gradIn = try backend.allocate(count)
                    let gradWeight = try backend.allocate(channels), gradBias = try backend.allocate(channels)
                    return Prepared {
                        try backend.batchNormBackward(
                            gradOut, reluOutput: f.y, x: f.x, shape: shape, weight: f.weight, savedMean: f.savedMean,
                            savedInvStd: f.savedInvStd, batchStatistics: true, gradInput: gradIn, gradWeight: gradWeight,
                            gradBias: gradBias)
                    }
                },
            ]
        }
    }
}
