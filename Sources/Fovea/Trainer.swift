import Foundation

/// What one epoch of training measured.
public struct EpochMetrics: Codable, Sendable, Equatable {
    public var epoch: Int
    public var trainLoss: Float
    /// 0 for regression (Float32 targets).
    public var trainAccuracy: Float
    public var validationLoss: Float?
    public var validationAccuracy: Float?
    public var learningRate: Float
    public var seconds: Double
    public var imagesPerSecond: Double
}

/// Runs the training loop: forward, loss (plus penalties), backward, optimizer step; then validation and callbacks.
///
/// On OpenCL a step makes no host synchronization: losses and correct counts accumulate on the device and are read
/// once per epoch (or when a callback asks for running figures).
public final class Trainer {
    public let model: Module
    public let optimizer: Optimizer
    public let loss: Loss
    /// Called with the model's parameters to add regularization terms (L1/L2) to each batch's loss.
    public var penalty: (([Parameter]) throws -> Tensor)?
    public var callbacks: [TrainingCallback]
    /// Stops after this many optimizer steps in total (for quick runs), when set.
    public var maxSteps: Int?
    /// Set (by a callback or a signal handler) to stop after the current step. Set during an epoch, it interrupts
    /// `fit` (see `interruption`); set in `epochDidEnd` (early stopping), it ends `fit` after that epoch.
    public var stopRequested = false
    /// Steps taken by this trainer.
    public private(set) var step = 0
    /// Metrics of each finished epoch.
    public private(set) var history: [EpochMetrics] = []
    /// Where the last `fit` was interrupted (by `stopRequested` during an epoch); nil when it was not.
    public private(set) var interruption: TrainingPosition?

    public init(model: Module, optimizer: Optimizer, loss: Loss = CrossEntropyLoss(), callbacks: [TrainingCallback] = []) {
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
        self.callbacks = callbacks
    }

    /// Trains from `position` to the end of epoch `epochs - 1` (epochs count from 0): the rest of `position.epoch`,
    /// from its batch `position.batch` on, then whole epochs. A position saved by an interruption continues the run
    /// exactly: its partial sums make the epoch's metrics those of the uninterrupted epoch.
    /// Clears `stopRequested` and `interruption` first; returns the history of every `fit` so far.
    /// Throws when `position.samples` is not the size of the epoch's first `position.batch` batches (another batch size).
    @discardableResult
    public func fit(_ train: DataLoader, validation: DataLoader? = nil, epochs: Int,
                    from position: TrainingPosition = TrainingPosition(epoch: 0)) throws -> [EpochMetrics] {
        let expectedSamples = min(position.batch * train.batchSize, train.dataset.count)
        guard position.epoch >= 0, (0...train.count).contains(position.batch), position.samples == expectedSamples else {
            throw FoveaError.invalidArgument("fit: position epoch \(position.epoch), batch \(position.batch) with \(position.samples) samples "
                                             + "does not fit \(train.count) batches of \(train.batchSize): resume with the batch size and data it was trained with")
        }
        stopRequested = false
        interruption = nil
        for callback in callbacks { try callback.trainingWillStart(self) }
        var next = position
        training: while next.epoch < epochs && !stopRequested {
            switch try trainEpoch(train, from: next, validation: validation) {
            case .interrupted(let stop):
                interruption = stop
                for callback in callbacks { try callback.trainingWasInterrupted(self, at: stop) }
                break training
            case .finished(let metrics):
                history.append(metrics)
                for callback in callbacks { try callback.epochDidEnd(self, metrics: metrics) }
            }
            next = TrainingPosition(epoch: next.epoch + 1)
            if let maxSteps, step >= maxSteps { break }
        }
        for callback in callbacks { try callback.trainingDidEnd(self) }
        return history
    }

    /// How an epoch ended.
    private enum EpochOutcome {
        case finished(EpochMetrics)
        /// `stopRequested` cut it short; training would continue at this position.
        case interrupted(TrainingPosition)
    }

    /// The training of one epoch from `position`, then validation.
    private func trainEpoch(_ loader: DataLoader, from position: TrainingPosition, validation: DataLoader?) throws -> EpochOutcome {
        model.train()
        let start = Date()
        let totals = try RunningTotals(device: loader.device, restoring: position)
        var iterator = try loader.batches(epoch: position.epoch, startingAt: position.batch)
        var batchIndex = position.batch
        while let batch = try iterator.nextBatch() {
            optimizer.zeroGrad()
            let output = try model(batch.inputs)
            var batchLoss = try totals.add(loss, output: output, targets: batch.targets)
            if let penalty { batchLoss = try batchLoss + penalty(model.parameters) }
            try batchLoss.backward()
            try optimizer.step()
            try FoveaCore.backend(for: loader.device).flush()
            step += 1
            batchIndex += 1
            for callback in callbacks { try callback.batchDidEnd(self, epoch: position.epoch, batch: batchIndex, of: loader.count, totals: totals) }
            if stopRequested { return .interrupted(try totals.position(epoch: position.epoch, batch: batchIndex)) }
            if let maxSteps, step >= maxSteps { break }
        }
        let (trainLoss, trainAccuracy) = try totals.read()
        let seconds = Date().timeIntervalSince(start)
        var metrics = EpochMetrics(epoch: position.epoch, trainLoss: trainLoss, trainAccuracy: trainAccuracy, learningRate: optimizer.learningRate,
                                   seconds: seconds, imagesPerSecond: Double(totals.samples - position.samples) / max(seconds, 1e-9))
        if let validation {
            let result = try evaluate(validation)
            metrics.validationLoss = result.loss
            metrics.validationAccuracy = result.accuracy
        }
        return .finished(metrics)
    }

    /// Mean loss and accuracy over a loader, in evaluation mode without gradients.
    public func evaluate(_ loader: DataLoader) throws -> (loss: Float, accuracy: Float) {
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        let totals = try RunningTotals(device: loader.device)
        try withNoGrad {
            var iterator = loader.batches(epoch: 0)
            while let batch = try iterator.nextBatch() {
                let output = try model(batch.inputs)
                try totals.add(loss, output: output, targets: batch.targets)
            }
        }
        return try totals.read()
    }

    /// Class probabilities [N, classes] for a batch of inputs.
    public func predict(_ inputs: Tensor) throws -> Tensor {
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        return try withNoGrad { try model(inputs).softmax(axis: -1) }
    }
}

/// Sums of loss and correct predictions kept on the device, read back only when asked. With regression targets
/// (Float32 [B, 1], trained with `MSELoss`) only the loss is summed and the accuracy reads 0.
public final class RunningTotals {
    private let lossSum: Tensor
    private let correct: Tensor
    /// Samples added so far.
    public private(set) var samples = 0

    /// Zero sums, or the partial sums of `position` (an interrupted epoch's).
    init(device: Device, restoring position: TrainingPosition? = nil) throws {
        lossSum = try Tensor([position?.lossSum ?? 0], shape: [], device: device)
        correct = try Tensor([Float(position?.correct ?? 0)], shape: [], device: device)
        samples = position?.samples ?? 0
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
        let backend = try loss.backend
        try backend.axpy(alpha: Float(batch), x: loss.storage, y: lossSum.storage, count: 1)
        samples += batch
        // Regression targets (Float32 values) have no accuracy: the correct count stays 0.
        guard targets.dtype == .int32 else { return }
        let hits = try withNoGrad { try output.argmax(axis: -1).eq(targets).to(dtype: .float32).sum() }
        try backend.axpy(alpha: 1, x: hits.storage, y: correct.storage, count: 1)
    }

    /// The sums so far as the position after `batch` batches of `epoch` (a host sync on OpenCL).
    public func position(epoch: Int, batch: Int) throws -> TrainingPosition {
        TrainingPosition(epoch: epoch, batch: batch, lossSum: try lossSum.item(), correct: Int(try correct.item()), samples: samples)
    }

    /// Mean loss and accuracy so far (a host sync on OpenCL).
    public func read() throws -> (loss: Float, accuracy: Float) {
        guard samples > 0 else { return (0, 0) }
        return (try lossSum.item() / Float(samples), try correct.item() / Float(samples))
    }
}
