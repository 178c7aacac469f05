import FoveaCore

/// Batch norm + ReLU in training mode (batch statistics, running statistics updated), forward and backward, on the
/// activations of resnet-small's first and last stages, cnn-cifar's second block and [batch, 512] features (one value
/// per plane, as BatchNorm1D sees them), alone and with a residual added before the ReLU (a residual block's end):
/// memory-bound, in GB/s.
enum NormalizationSuite {
    /// (channels, height = width) of the normalized activations; width 1 for features.
    static let planes = [(16, 32), (32, 32), (64, 8), (512, 1)]

    /// One forward's tensors on a backend, the forward run once (so the backward has its output and statistics).
    struct Forward {
        let backend: any Backend, shape: BatchNormShape
        let x: Storage, y: Storage, residual: Storage?, weight: Storage, bias: Storage
        let runningMean: Storage, runningVar: Storage, savedMean: Storage, savedInvStd: Storage

        init(on backend: any Backend, shape: BatchNormShape, withResidual: Bool) throws {
            let count = shape.batch * shape.channels * shape.spatial, channels = shape.channels
            self.backend = backend; self.shape = shape
            x = try randomStorage(count, on: backend); y = try backend.allocate(count)
            residual = withResidual ? try randomStorage(count, on: backend, seed: 5) : nil
            weight = try randomStorage(channels, on: backend, seed: 3); bias = try randomStorage(channels, on: backend, seed: 4)
            runningMean = try backend.allocate(channels); runningVar = try backend.allocate(channels)
            try backend.fill(runningMean, offset: 0, count: channels, value: 0)
            try backend.fill(runningVar, offset: 0, count: channels, value: 1)
            savedMean = try backend.allocate(channels); savedInvStd = try backend.allocate(channels)
            try run()
        }

        func run() throws {
            try backend.batchNormForward(
                x, residual: residual, into: y, shape: shape, weight: weight, bias: bias, runningMean: runningMean,
                runningVar: runningVar, useBatchStatistics: true, momentum: 0.1, eps: 1e-5, savedMean: savedMean,
                savedInvStd: savedInvStd, relu: true)
        }
    }

    static func cases(batch: Int) -> [BenchmarkCase] {
        planes.flatMap { channels, size in
            [false, true].flatMap { withResidual in
                let shape = BatchNormShape(batch: batch, channels: channels, spatial: size * size)
                let count = batch * channels * size * size
                let label = "batchnorm\(withResidual ? "+add" : "")+relu \(channels)x\(size)x\(size) b\(batch)"
                // Forward: reads x (and the residual), writes the output. Backward: reads the output gradient, the
                // output (ReLU's mask) and x, writes the input gradient (and the residual's).
                let tensors = withResidual ? 1 : 0
                return [
                    BenchmarkCase(suite: "norm", name: label + " fwd", work: .bytes(Double(4 * (2 + tensors) * count))) {
                        target in
                        guard case .backend(let backend) = target else { return nil }
                        let forward = try Forward(on: backend, shape: shape, withResidual: withResidual)
                        return Prepared { try forward.run() }
                    },
                    BenchmarkCase(suite: "norm", name: label + " bwd", work: .bytes(Double(4 * (4 + tensors) * count))) {
                        target in
                        guard case .backend(let backend) = target else { return nil }
                        let forward = try Forward(on: backend, shape: shape, withResidual: withResidual)
                        let gradOut = try randomStorage(count, on: backend, seed: 2), gradIn = try backend.allocate(count)
                        let gradWeight = try backend.allocate(channels), gradBias = try backend.allocate(channels)
                        let gradResidual = withResidual ? try backend.allocate(count) : nil
                        return Prepared {
                            try backend.batchNormBackward(
                                gradOut, reluOutput: forward.y, gradResidual: gradResidual, x: forward.x, shape: shape,
                                weight: forward.weight, savedMean: forward.savedMean, savedInvStd: forward.savedInvStd,
                                batchStatistics: true, gradInput: gradIn, gradWeight: gradWeight, gradBias: gradBias)
                        }
                    },
                ]
            }
        }
    }
}
