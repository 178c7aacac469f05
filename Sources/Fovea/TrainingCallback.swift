import Foundation

/// Hooks into `Trainer.fit`. Every method has a default that does nothing.
public protocol TrainingCallback: AnyObject {
    func trainingWillStart(_ trainer: Trainer) throws
    func batchDidEnd(_ trainer: Trainer, epoch: Int, batch: Int, of batches: Int, totals: RunningTotals) throws
    func epochDidEnd(_ trainer: Trainer, metrics: EpochMetrics) throws
    /// `stopRequested` cut an epoch short (Ctrl-C); `lastCompleteEpoch` is -1 when none finished.
    func trainingWasInterrupted(_ trainer: Trainer, lastCompleteEpoch: Int) throws
    func trainingDidEnd(_ trainer: Trainer) throws
}

extension TrainingCallback {
    public func trainingWillStart(_ trainer: Trainer) throws {}
    public func batchDidEnd(_ trainer: Trainer, epoch: Int, batch: Int, of batches: Int, totals: RunningTotals) throws {}
    public func epochDidEnd(_ trainer: Trainer, metrics: EpochMetrics) throws {}
    public func trainingWasInterrupted(_ trainer: Trainer, lastCompleteEpoch: Int) throws {}
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
                bestState = try Dictionary(uniqueKeysWithValues: trainer.model.stateDict().map { name, tensor in
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

/// Steps a learning-rate scheduler after each epoch, with the validation loss when there is one.
public final class SchedulerCallback: TrainingCallback {
    public let scheduler: LearningRateScheduler
    public init(_ scheduler: LearningRateScheduler) { self.scheduler = scheduler }
    public func epochDidEnd(_ trainer: Trainer, metrics: EpochMetrics) throws {
        scheduler.step(metric: metrics.validationLoss ?? metrics.trainLoss)
    }
}

/// Saves `epoch-NNN.safetensors` (plus optimizer state) into a directory after every epoch, and `last.safetensors`.
/// An interrupted epoch saves nothing: `last.safetensors` keeps the last complete epoch, and resuming from it repeats
/// the interrupted epoch exactly as an uninterrupted run would have trained it.
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

    public func epochDidEnd(_ trainer: Trainer, metrics: EpochMetrics) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let name = String(format: "epoch-%03d.safetensors", metrics.epoch + 1)
        for file in [name, "last.safetensors"] {
            try Checkpoint.save(model: trainer.model, optimizer: trainer.optimizer, epoch: metrics.epoch,
                                metadata: metadata, generator: generator, to: directory.appendingPathComponent(file))
        }
    }
}
