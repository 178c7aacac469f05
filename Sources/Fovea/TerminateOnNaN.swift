import Foundation

/// Training stopped because the loss stopped being a finite number.
public struct TrainingDiverged: Error, CustomStringConvertible, Equatable {
    /// The epoch (from 0), and the batches of it trained when the loss was found not finite (nil: at its end).
    public let epoch: Int, batch: Int?
    /// The mean training loss of the epoch so far (NaN or infinite).
    public let loss: Float

    public var description: String {
        "training diverged: the loss became \(loss) in epoch \(epoch + 1)\(batch.map { " by batch \($0)" } ?? ""); lower the learning rate"
    }
}

/// Stops training with `TrainingDiverged` once the running training loss is NaN or infinite, as Keras'
/// `TerminateOnNaN` does: it reads the loss every `interval` batches (one host sync each time on OpenCL, none in
/// between) and at the end of every epoch, before the callbacks after it (put it before a `CheckpointCallback`, so no
/// checkpoint of a diverged model is ever saved).
public final class TerminateOnNaN: TrainingCallback {
    public let interval: Int

    public init(interval: Int = 100) {
        precondition(interval > 0, "TerminateOnNaN: interval must be positive")
        self.interval = interval
    }

    public func batchDidEnd(_ trainer: Trainer, epoch: Int, batch: Int, of batches: Int, totals: RunningTotals) throws {
        guard batch % interval == 0 else { return }
        let (loss, _) = try totals.read()
        if !loss.isFinite { throw TrainingDiverged(epoch: epoch, batch: batch, loss: loss) }
    }

    public func epochDidEnd(_ trainer: Trainer, metrics: EpochMetrics) throws {
        if !metrics.trainLoss.isFinite { throw TrainingDiverged(epoch: metrics.epoch, batch: nil, loss: metrics.trainLoss) }
    }
}
