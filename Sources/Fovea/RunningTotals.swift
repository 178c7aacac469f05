/// Sums of loss and correct predictions kept on the device, read back only when asked. With regression targets
/// (Float32 [B, 1], trained with `MSELoss`) only the loss is summed and the accuracy reads 0. For a model of several
/// outputs the loss summed is the weighted total (its accuracy reads 0), and each output has its own sums
/// (`snapshot()` reads them all at once).
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
            throw FoveaError.invalidArgument(
                "fit: the position holds partial sums of \(saved.count) outputs, the model has \(kinds.count)")
        }
        outputSums = try kinds.indices.map { output in
            (
                try Tensor([saved.isEmpty ? 0 : saved[output]], shape: [], device: device),
                try Tensor([Float(savedCorrect.isEmpty ? 0 : savedCorrect[output])], shape: [], device: device)
            )
        }
        classifies = kinds.map { $0 == .classIndex }
    }

    /// `loss` of `output` against `targets`, added to the sums: by the loss kernel itself for `CrossEntropyLoss` with
    /// class indices, otherwise by `add(loss:output:targets:)`.
    func add(_ loss: Loss, output: Tensor, targets: Tensor) throws -> Tensor {
        guard let crossEntropy = loss as? CrossEntropyLoss, targets.dtype == .int32 else {
            let value = try loss(output, targets)
            try add(loss: value, output: output, targets: targets)
            return value
        }
        let value = try crossEntropy(output, targets, accumulatingLossInto: lossSum, correctInto: correct)
        samples += targets.shape[0]
        return value
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
        try loss.backend.axpy(alpha: Float(batch), x: loss.storage, y: sum.writableStorage(op: "running loss"), count: 1)
    }

    /// correct += the number of rows of `output` whose largest value is at the target class, on the device.
    private static func accumulateHits(of output: Tensor, targets: Tensor, into correct: Tensor) throws {
        let hits = try withNoGrad { try output.argmax(axis: -1).eq(targets).to(dtype: .float32).sum() }
        try hits.backend.axpy(alpha: 1, x: hits.storage, y: correct.writableStorage(op: "running accuracy"), count: 1)
    }

    /// The sums so far as the position after `batch` batches of `epoch` (a host sync on OpenCL); with replicas, the sums
    /// over all of them (every replica must call it).
    public func position(epoch: Int, batch: Int, over replicas: ReplicaGroup? = nil) throws -> TrainingPosition {
        let sums = try self.sums(over: replicas)
        return TrainingPosition(
            epoch: epoch, batch: batch, lossSum: sums.loss, correct: Int(sums.correct), samples: sums.samples,
            outputLossSums: sums.outputs.map(\.loss), outputCorrect: sums.outputs.map { Int($0.correct) })
    }

    /// What the totals hold so far, read from the device in one go.
    public struct Snapshot {
        /// The mean loss (the weighted total's, for a model of several outputs).
        public let loss: Float
        /// The share of correct predictions (0 for regression targets and for a model of several outputs).
        public let accuracy: Float
        /// The samples the means cover.
        public let samples: Int
        /// Each output's mean loss and accuracy, for a model of several outputs; empty for one output.
        public let outputs: [OutputMetrics]
    }

    /// Every figure so far in one read (a host sync on OpenCL); with replicas, over every replica's samples (every
    /// replica must call it).
    public func snapshot(over replicas: ReplicaGroup? = nil) throws -> Snapshot {
        let sums = try self.sums(over: replicas)
        let count = Float(max(sums.samples, 1))
        let outputs = sums.outputs.enumerated().map { output, sums in
            OutputMetrics(loss: sums.loss / count, accuracy: classifies[output] ? sums.correct / count : nil)
        }
        guard sums.samples > 0 else { return Snapshot(loss: 0, accuracy: 0, samples: 0, outputs: outputs) }
        return Snapshot(loss: sums.loss / count, accuracy: sums.correct / count, samples: sums.samples, outputs: outputs)
    }

    /// Mean loss and accuracy so far, of this replica's samples (a host sync on OpenCL).
    public func read() throws -> (loss: Float, accuracy: Float) {
        let snapshot = try snapshot()
        return (snapshot.loss, snapshot.accuracy)
    }

    /// Mean loss and accuracy so far and the samples they cover, over every replica's samples with replicas (every
    /// replica must call it; a host sync on OpenCL).
    public func read(over replicas: ReplicaGroup?) throws -> (loss: Float, accuracy: Float, samples: Int) {
        let snapshot = try snapshot(over: replicas)
        return (snapshot.loss, snapshot.accuracy, snapshot.samples)
    }

    /// Each output's mean loss and accuracy so far, for a model of several outputs; empty for one output (over every
    /// replica with replicas, every replica calling it; a host sync on OpenCL).
    public func readOutputs(over replicas: ReplicaGroup? = nil) throws -> [OutputMetrics] {
        try snapshot(over: replicas).outputs
    }

    /// The sums read from the device, added over the replicas when there are some.
    private func sums(over replicas: ReplicaGroup?) throws -> (
        loss: Float, correct: Float, samples: Int, outputs: [(loss: Float, correct: Float)]
    ) {
        var values = [Double(try lossSum.item()), Double(try correct.item()), Double(samples)]
        for sums in outputSums { values += [Double(try sums.loss.item()), Double(try sums.correct.item())] }
        if let replicas { values = try replicas.sum(values) }
        let outputs = stride(from: 3, to: values.count, by: 2).map { (loss: Float(values[$0]), correct: Float(values[$0 + 1])) }
        return (Float(values[0]), Float(values[1]), Int(values[2]), outputs)
    }
}
