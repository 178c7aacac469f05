import Foundation

/// Hooks into `Trainer.fit`. Every method has a default that does nothing.
public protocol TrainingCallback: AnyObject {
    func trainingWillStart(_ trainer: Trainer) throws
    func batchDidEnd(_ trainer: Trainer, epoch: Int, batch: Int, of batches: Int, totals: RunningTotals) throws
    func epochDidEnd(_ trainer: Trainer, metrics: EpochMetrics) throws
    /// `stopRequested` cut an epoch short (Ctrl-C); training would continue at `position`.
    func trainingWasInterrupted(_ trainer: Trainer, at position: TrainingPosition) throws
    func trainingDidEnd(_ trainer: Trainer) throws
}

extension TrainingCallback {
    public func trainingWillStart(_ trainer: Trainer) throws {}
    public func batchDidEnd(_ trainer: Trainer, epoch: Int, batch: Int, of batches: Int, totals: RunningTotals) throws {}
    public func epochDidEnd(_ trainer: Trainer, metrics: EpochMetrics) throws {}
    public func trainingWasInterrupted(_ trainer: Trainer, at position: TrainingPosition) throws {}
    public func trainingDidEnd(_ trainer: Trainer) throws {}
}

/// Stops when the validation loss has not improved for `patience` epochs; can put the best weights back.
public final class EarlyStopping: TrainingCallback {
    public let patience: Int
    public let restoreBestWeights: Bool
    public private(set) var bestLoss = Float.infinity
    public private(set) var bestEpoch: Int?
    private var bestState: [String: Tensor]?
    private var epochsWithoutImprovement = 0

    public init(patience: Int, restoreBestWeights: Bool = true) {
        self.patience = patience
        self.restoreBestWeights = restoreBestWeights
    }

    /// Forgets the previous `fit`'s best epoch.
    public func trainingWillStart(_ trainer: Trainer) throws {
        bestLoss = .infinity
        bestEpoch = nil
        bestState = nil
        epochsWithoutImprovement = 0
    }

    public func epochDidEnd(_ trainer: Trainer, metrics: EpochMetrics) throws {
        guard let loss = metrics.validationLoss else { return }
        if loss < bestLoss {
            bestLoss = loss
            bestEpoch = metrics.epoch
            epochsWithoutImprovement = 0
            if restoreBestWeights {
                bestState = try Dictionary(
                    uniqueKeysWithValues: trainer.model.stateDict().map { name, tensor in
                        (name, try Self.copy(tensor))
                    })
            }
        } else {
            epochsWithoutImprovement += 1
            if epochsWithoutImprovement >= patience { trainer.stopRequested = true }
        }
    }

    public func trainingDidEnd(_ trainer: Trainer) throws {
        if restoreBestWeights, let bestState { try trainer.model.loadStateDict(bestState) }
    }

    private static func copy(_ tensor: Tensor) throws -> Tensor {
        let copy = try Tensor.empty(tensor.shape, device: tensor.device)
        try tensor.backend.copy(from: tensor.storage, offset: 0, to: copy.storage, offset: 0, count: tensor.count)
        return copy
    }
}

/// Steps a learning-rate scheduler after each epoch, with the validation loss when there is one (else the training
/// loss), or after each batch (for schedules counted in batches, such as `OneCycleLR`).
///
/// Schedulers save nothing in checkpoints: a schedule is a function of the steps taken, so a resumed run makes a fresh
/// one (before `Checkpoint.resume`, which restores the rates) and calls `replay(to:batchesPerEpoch:)`.
public final class SchedulerCallback: TrainingCallback {
    /// When the scheduler steps.
    public enum Interval: Sendable { case epoch, batch }

    public let scheduler: LearningRateScheduler
    public let interval: Interval

    public init(_ scheduler: LearningRateScheduler, interval: Interval = .epoch) {
        self.scheduler = scheduler
        self.interval = interval
    }

    /// Steps a fresh scheduler as often as a run that stopped at `position` had stepped it: once per finished epoch,
    /// or once per batch trained (`batchesPerEpoch` in each finished epoch, then `position.batch`).
    public func replay(to position: TrainingPosition, batchesPerEpoch: Int) {
        let steps = interval == .epoch ? position.epoch : position.epoch * batchesPerEpoch + position.batch
        for _ in 0..<steps { scheduler.step() }
    }

    public func batchDidEnd(_ trainer: Trainer, epoch: Int, batch: Int, of batches: Int, totals: RunningTotals) throws {
        if interval == .batch { scheduler.step() }
    }

    public func epochDidEnd(_ trainer: Trainer, metrics: EpochMetrics) throws {
        if interval == .epoch { scheduler.step(metric: metrics.validationLoss ?? metrics.trainLoss) }
    }
}

/// Saves `epoch-NNN.safetensors` (plus optimizer state) into a directory after every epoch, and `last.safetensors`.
/// An interruption saves `last.safetensors` at the exact position (the batch reached and the epoch's partial sums):
/// resuming from it trains the rest of the epoch as the uninterrupted run would have. `epoch-NNN` files always hold
/// complete epochs.
public final class CheckpointCallback: TrainingCallback {
    public let directory: URL
    public let metadata: [String: String]
    /// The random stream whose position is saved with the optimizer state.
    public let generator: Generator

    public init(directory: URL, metadata: [String: String] = [:], generator: Generator = .default) {
        self.directory = directory
        self.metadata = metadata
        self.generator = generator
    }

    /// `last.safetensors`: the latest checkpoint, of a complete epoch or of an interruption.
    public var last: URL { directory.appendingPathComponent("last.safetensors") }

    public func epochDidEnd(_ trainer: Trainer, metrics: EpochMetrics) throws {
        let name = String(format: "epoch-%03d.safetensors", metrics.epoch + 1)
        for file in [directory.appendingPathComponent(name), last] {
            try save(trainer, at: TrainingPosition(epoch: metrics.epoch + 1), to: file)
        }
    }

    public func trainingWasInterrupted(_ trainer: Trainer, at position: TrainingPosition) throws {
        try save(trainer, at: position, to: last)
    }

    private func save(_ trainer: Trainer, at position: TrainingPosition, to file: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Checkpoint.save(
            model: trainer.model, optimizer: trainer.optimizer, position: position,
            metadata: metadata, generator: generator, to: file)
    }
}
