/// The layout of a batch-norm input [N, C, spatial...]: each channel's statistics run over N * spatial values.
public struct BatchNormShape: Sendable, Equatable {
    public var batch: Int, channels: Int, spatial: Int

    public init(batch: Int, channels: Int, spatial: Int) {
        self.batch = batch; self.channels = channels; self.spatial = spatial
    }

    /// Values per channel (N * spatial).
    public var reduced: Int { batch * spatial }
    /// Element index of (n, c, s).
    @inline(__always)
    func index(_ n: Int, _ c: Int, _ s: Int) -> Int { (n * channels + c) * spatial + s }
}

/// Batch normalization. Weight and bias are optional ([C]; 1 and 0 when absent).
public protocol NormalizationBackend: AnyObject {
    /// out = (x - mean) * invStd * weight + bias per channel, with invStd = 1 / sqrt(var + eps), plus `residual` (dense,
    /// of x's shape) when given, then through ReLU when `relu`: batch norm, batch norm + ReLU, or a residual block's
    /// last batch norm, skip addition and ReLU, as one op.
    ///
    /// With `useBatchStatistics`, mean and (biased) var come from the batch, and the running statistics, when given,
    /// become (1 - momentum) * running + momentum * batch value (the unbiased variance for `runningVar`), in place.
    /// Otherwise `runningMean` and `runningVar` (both required) are used as they are.
    /// The mean and invStd used are written to `savedMean` and `savedInvStd` ([C]) for the backward.
    func batchNormForward(
        _ x: Storage, residual: Storage?, into out: Storage, shape: BatchNormShape, weight: Storage?, bias: Storage?,
        runningMean: Storage?, runningVar: Storage?, useBatchStatistics: Bool,
        momentum: Float, eps: Float, savedMean: Storage, savedInvStd: Storage, relu: Bool) throws

    /// Gradients of the forward with the saved statistics, taken of g = `gradOut` where `reluOutput` (the forward's
    /// output, after its ReLU), when given, is positive and 0 elsewhere. g, the residual's gradient, is written to
    /// `gradResidual` when given; each of `gradInput`, `gradWeight`, `gradBias` is computed only when given. With
    /// `batchStatistics` the input gradient includes the terms through the batch mean and variance.
    func batchNormBackward(
        _ gradOut: Storage, reluOutput: Storage?, gradResidual: Storage?, x: Storage, shape: BatchNormShape,
        weight: Storage?, savedMean: Storage, savedInvStd: Storage, batchStatistics: Bool,
        gradInput: Storage?, gradWeight: Storage?, gradBias: Storage?) throws
}

/// Plain batch norm: no residual, no ReLU.
extension NormalizationBackend {
    public func batchNormForward(
        _ x: Storage, into out: Storage, shape: BatchNormShape, weight: Storage?, bias: Storage?,
        runningMean: Storage?, runningVar: Storage?, useBatchStatistics: Bool,
        momentum: Float, eps: Float, savedMean: Storage, savedInvStd: Storage
    ) throws {
        try batchNormForward(
            x, residual: nil, into: out, shape: shape, weight: weight, bias: bias, runningMean: runningMean,
            runningVar: runningVar, useBatchStatistics: useBatchStatistics, momentum: momentum, eps: eps,
            savedMean: savedMean, savedInvStd: savedInvStd, relu: false)
    }

    public func batchNormBackward(
        _ gradOut: Storage, x: Storage, shape: BatchNormShape, weight: Storage?,
        savedMean: Storage, savedInvStd: Storage, batchStatistics: Bool,
        gradInput: Storage?, gradWeight: Storage?, gradBias: Storage?
    ) throws {
        try batchNormBackward(
            gradOut, reluOutput: nil, gradResidual: nil, x: x, shape: shape, weight: weight, savedMean: savedMean,
            savedInvStd: savedInvStd, batchStatistics: batchStatistics, gradInput: gradInput,
            gradWeight: gradWeight, gradBias: gradBias)
    }
}
