import FoveaCore

/// Batch normalization over the channel axis (axis 1), with running statistics for evaluation.
/// `BatchNorm1D` takes [N, C], `BatchNorm2D` takes [N, C, H, W]; parameters and buffers carry PyTorch's names.
public class BatchNorm: Module, UnaryLayer {
    public let weight: Parameter?
    public let bias: Parameter?
    public let runningMean: Buffer
    public let runningVar: Buffer
    /// Batches seen in training (PyTorch's num_batches_tracked), an Int32 scalar; checkpoints store it as I64, as PyTorch does.
    public let numBatchesTracked: Buffer
    /// An Int32 1 on the counter's device, uploaded once per device.
    private var one: Tensor?
    public let numFeatures: Int, momentum: Float, eps: Float
    let expectedRank: Int

    init(numFeatures: Int, rank: Int, momentum: Float, eps: Float, affine: Bool) {
        self.numFeatures = numFeatures; self.momentum = momentum; self.eps = eps; self.expectedRank = rank
        weight = affine ? Parameter(Initializer.ones.cpuTensor([numFeatures])) : nil
        bias = affine ? Parameter(Initializer.zeros.cpuTensor([numFeatures])) : nil
        runningMean = Buffer(Initializer.zeros.cpuTensor([numFeatures]))
        runningVar = Buffer(Initializer.ones.cpuTensor([numFeatures]))
        numBatchesTracked = Buffer(Self.zeroCounter())
        super.init()
    }

    /// PyTorch's `num_batches_tracked` at the start: an int32 zero on the CPU (only a lack of memory could fail here).
    private static func zeroCounter() -> Tensor {
        do { return try Tensor(int32: [0], shape: []) } catch { preconditionFailure("BatchNorm: \(error)") }
    }

    public override var ownBuffers: [(String, Buffer)] {
        [("running_mean", runningMean), ("running_var", runningVar), ("num_batches_tracked", numBatchesTracked)]
    }

    public func forward(_ input: Tensor) throws -> Tensor { try forward(input, relu: false) }

    /// The layer's output, with `residual` (of the input's shape) added when given, through ReLU in the same op when
    /// `relu` (`Sequential` runs a BatchNorm followed by a ReLU layer this way; `ResidualBlock` its last BatchNorm, the
    /// skip connection and the ReLU).
    public func forward(_ input: Tensor, residual: Tensor? = nil, relu: Bool) throws -> Tensor {
        guard input.rank == expectedRank, input.shape[1] == numFeatures else {
            throw FoveaError.invalidArgument(
                "\(typeName)(\(numFeatures)): expected input of rank \(expectedRank) with \(numFeatures) channels, got \(input.shape)"
            )
        }
        let output = try input.batchNorm(
            weight: weight?.value, bias: bias?.value, runningMean: runningMean.value,
            runningVar: runningVar.value, training: isTraining, momentum: momentum, eps: eps,
            residual: residual, relu: relu)
        if isTraining {
            // counter += 1, in place on the device (no sync).
            let counter = numBatchesTracked.value
            if one?.device != counter.device { one = try Tensor(int32: [1], shape: [], device: counter.device) }
            try counter.backend.binaryInt32(
                .add, a: counter.storage, aStrides: [], b: one!.storage, bStrides: [],
                out: counter.writableStorage(op: "BatchNorm2D"), outShape: [])
        }
        return output
    }
}

/// Batch normalization of [N, C] features.
public final class BatchNorm1D: BatchNorm {
    public init(_ numFeatures: Int, momentum: Float = 0.1, eps: Float = 1e-5, affine: Bool = true) {
        super.init(numFeatures: numFeatures, rank: 2, momentum: momentum, eps: eps, affine: affine)
    }
}

/// Batch normalization of [N, C, H, W] feature maps.
public final class BatchNorm2D: BatchNorm {
    public init(_ numFeatures: Int, momentum: Float = 0.1, eps: Float = 1e-5, affine: Bool = true) {
        super.init(numFeatures: numFeatures, rank: 4, momentum: momentum, eps: eps, affine: affine)
    }
}
