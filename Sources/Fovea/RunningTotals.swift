/// Sums of loss and correct predictions kept on the device, read back only when asked. With regression targets
/// (Float32 [B, 1], trained with `MSELoss`) only the loss is summed and the accuracy reads 0. For a model of several
/// outputs the loss summed is the weighted total (its accuracy reads 0), and each output has its own sums
/// (`readOutputs()`).
public final class RunningTotals {
    private let lossSum: Tensor
    private let correct: Tensor
    /// Each output's unweighted loss and correct sums, for a model of several outputs; empty for one output.
    private let outputSums: [(loss: Tensor, correct: Tensor)]
    /// Whether each output's targets are class indices, so that its correct predictions are counted.
    private let classifies: [Bool]
    /// Samples added so far.
    public private(set) var samples = 0

    /// Zero sums, or the partial sums of `position` (an interrupted epoch's). `outputs` holds the target kinds of a
    /// model of several outputs (nil for one output); throws when `position` holds sums for another number of outputs.
    init(device: Device, outputs: [TargetKind]? = nil, restoring position: TrainingPosition? = nil) throws {
        lossSum = try Tensor([position?.lossSum ?? 0], shape: [], device: device)
        correct = try Tensor([Float(position?.correct ?? 0)], shape: [], device: device)
        samples = position?.samples ?? 0
        let kinds = outputs ?? [], saved = position?.outputLossSums ?? [], savedCorrect = position?.outputCorrect ?? []
        guard (saved.count == kinds.count && savedCorrect.count == kinds.count) || (saved.isEmpty && samples == 0) else {
            throw FoveaError.invalidArgument("fit: the position holds partial sums of \(saved.count) outputs, the model has \(kinds.count)")
        }
        outputSums = try kinds.indices.map { output in
            (try Tensor([saved.isEmpty ? 0 : saved[output]], shape: [], device: device),
             try Tensor([Float(savedCorrect.isEmpty ? 0 : savedCorrect[output])], shape: [], device: device))
        }
        classifies = kinds.map { $0 == .classIndex }
    }

    func add(loss: Tensor, output: Tensor, targets: Tensor) throws {
        let batch = targets.shape[0]
        try Self.accumulate(loss, times: batch, into: lossSum)
        samples += batch
        // Regression targets (Float32 values) have no accuracy: the correct count stays 0.
        guard targets.dtype == .int32 else { return }
        try Self.accumulateHits(of: output, targets: targets, into: correct)
    }

    /// Adds a batch of a model of several outputs: its weighted `total` loss and each output's loss and correct count.
    func add(total: Tensor, losses: [Tensor], outputs: [Tensor], targets: [Tensor]) throws {
        let batch = targets[0].shape[0]
        try Self.accumulate(total, times: batch, into: lossSum)
        samples += batch
        for (output, sums) in outputSums.enumerated() {
            try Self.accumulate(losses[output], times: batch, into: sums.loss)
            if classifies[output] { try Self.accumulateHits(of: outputs[output], targets: targets[output], into: sums.correct) }
        }
    }

    /// sum += batch * loss, on the device.
    private static func accumulate(_ loss: Tensor, times batch: Int, into sum: Tensor) throws {
        try loss.backend.axpy(alpha: Float(batch), x: loss.storage, y: sum.storage, count: 1)
    }

    /// correct += the number of rows of `output` whose largest value is at the target class, on the device.
    private static func accumulateHits(of output: Tensor, targets: Tensor, into correct: Tensor) throws {
        let hits = try withNoGrad { try output.argmax(axis: -1).eq(targets).to(dtype: .float32).sum() }
        try hits.backend.axpy(alpha: 1, x: hits.storage, y: correct.storage, count: 1)
    }

    /// The sums so far as the position after `batch` batches of `epoch` (a host sync on OpenCL).
    public func position(epoch: Int, batch: Int) throws -> TrainingPosition {
        TrainingPosition(epoch: epoch, batch: batch, lossSum: try lossSum.item(), correct: Int(try correct.item()), samples: samples,
                         outputLossSums: try outputSums.map { try $0.loss.item() },
                         outputCorrect: try outputSums.map { Int(try $0.correct.item()) })
    }

    /// Mean loss and accuracy so far (a host sync on OpenCL).
    public func read() throws -> (loss: Float, accuracy: Float) {
        guard samples > 0 else { return (0, 0) }
        return (try lossSum.item() / Float(samples), try correct.item() / Float(samples))
    }

    /// Each output's mean loss and accuracy so far, for a model of several outputs; empty for one output (a host sync
    /// on OpenCL).
    public func readOutputs() throws -> [OutputMetrics] {
        let count = Float(max(samples, 1))
        return try outputSums.enumerated().map { output, sums in
            OutputMetrics(loss: try sums.loss.item() / count, accuracy: classifies[output] ? try sums.correct.item() / count : nil)
        }
    }
}
