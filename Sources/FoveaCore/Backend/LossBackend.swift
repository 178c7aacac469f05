/// A fused classification loss over scores [rows, classes] with one Int32 class index per row.
///
/// With target weights w[t_i] (1 without class weights) and smoothing e, row i contributes
/// (1 - e) * w[t_i] * (-logp[i, t_i]) + e / C * sum_c w[c] * (-logp[i, c]), and the loss is the sum over rows
/// divided by sum_i w[t_i] (PyTorch's `F.cross_entropy` / `F.nll_loss` with mean reduction).
/// A row whose target is not an index in 0..<classes contributes nothing (validated on the host where that is free).
public struct ClassificationLossDescriptor: Sendable, Equatable {
    public var rows: Int, classes: Int
    /// Scores are logits (logp = log_softmax, fused) when true, log-probabilities (NLL) when false.
    public var fromLogits: Bool
    public var labelSmoothing: Float

    public init(rows: Int, classes: Int, fromLogits: Bool, labelSmoothing: Float = 0) {
        self.rows = rows; self.classes = classes; self.fromLogits = fromLogits; self.labelSmoothing = labelSmoothing
    }
}

/// Fused, numerically stable classification losses (softmax cross-entropy, NLL).
public protocol LossBackend: AnyObject {
    /// Writes the mean loss to `loss[0]`, sum_i w[t_i] and sum_c w[c] to `statistics[0...1]`, and each row's
    /// log-sum-exp (0 for log-probability inputs) to `logSumExp[rows]`, all kept for the backward.
    func classificationLoss(
        _ input: Storage, targets: Storage, classWeights: Storage?, descriptor: ClassificationLossDescriptor,
        loss: Storage, statistics: Storage, logSumExp: Storage) throws
    /// d loss / d input scaled by `gradLoss[0]` (read on the device): (softmax * sum_c a_c - a) / sum_i w[t_i] for logits,
    /// -a / sum_i w[t_i] for log-probabilities, with a the per-class coefficients of the row's loss.
    func classificationLossBackward(
        _ gradLoss: Storage, input: Storage, targets: Storage, classWeights: Storage?,
        descriptor: ClassificationLossDescriptor, statistics: Storage, logSumExp: Storage,
        gradInput: Storage) throws
    /// `classificationLoss`, then a trainer's running totals: lossSum[0] += rows * loss[0], and correct[0] += the rows
    /// whose first largest score is at their target (as `argmax`), both in place on the device.
    func classificationLoss(
        _ input: Storage, targets: Storage, classWeights: Storage?, descriptor: ClassificationLossDescriptor,
        loss: Storage, statistics: Storage, logSumExp: Storage,
        accumulatingInto lossSum: Storage, correct: Storage) throws
}

/// The loss and the totals as separate primitives, for backends without a fused kernel (the CPU backend).
extension LossBackend where Self: ReductionBackend & ElementwiseBackend & MemoryBackend {
    public func classificationLoss(
        _ input: Storage, targets: Storage, classWeights: Storage?, descriptor d: ClassificationLossDescriptor,
        loss: Storage, statistics: Storage, logSumExp: Storage,
        accumulatingInto lossSum: Storage, correct: Storage
    ) throws {
        try classificationLoss(
            input, targets: targets, classWeights: classWeights, descriptor: d, loss: loss, statistics: statistics,
            logSumExp: logSumExp)
        try axpy(alpha: Float(d.rows), x: loss, y: lossSum, count: 1)
        let predicted = try allocate(d.rows, dtype: .int32), hits = try allocate(d.rows, dtype: .int32)
        try argmax(x: input, outer: d.rows, size: d.classes, inner: 1, out: predicted)
        try binaryInt32(.eq, a: predicted, aStrides: [1], b: targets, bStrides: [1], out: hits, outShape: [d.rows])
        let hitValues = try allocate(d.rows), hitCount = try allocate(1)
        try convert(hits, into: hitValues, count: d.rows)
        try reduce(.sum, x: hitValues, outer: 1, size: d.rows, inner: 1, out: hitCount)
        try axpy(alpha: 1, x: hitCount, y: correct, count: 1)
    }
}
