import Foundation

/// What one epoch of training measured.
public struct EpochMetrics: Codable, Sendable, Equatable {
    public var epoch: Int
    /// The weighted total for a model of several outputs.
    public var trainLoss: Float
    /// 0 for regression (Float32 targets) and for a model of several outputs (see `trainOutputs`).
    public var trainAccuracy: Float
    public var validationLoss: Float?
    public var validationAccuracy: Float?
    public var learningRate: Float
    public var seconds: Double
    public var imagesPerSecond: Double
    /// Each output's training loss and accuracy, for a model of several outputs; nil for one output.
    public var trainOutputs: [OutputMetrics]?
    /// Each output's validation loss and accuracy, for a model of several outputs; nil for one output.
    public var validationOutputs: [OutputMetrics]?
}

/// Runs the training loop: forward, loss (plus penalties), backward, optimizer step; then validation and callbacks.
///
/// On OpenCL a step makes no host synchronization: losses and correct counts accumulate on the device and are read
/// once per epoch (or when a callback asks for running figures).
public final class Trainer {
    public let model: Module
    public let optimizer: Optimizer
    /// How the model is called and its outputs scored.
    let objective: TrainingObjective
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

    /// Trains a model of one input and one output with `loss`.
    public convenience init(model: some UnaryLayer, optimizer: Optimizer, loss: Loss = CrossEntropyLoss(), callbacks: [TrainingCallback] = []) {
        self.init(model: model, objective: TrainingObjective(model: .unary(model), losses: [loss], weights: [1]),
                  optimizer: optimizer, callbacks: callbacks)
    }

    init(model: Module, objective: TrainingObjective, optimizer: Optimizer, callbacks: [TrainingCallback]) {
        self.model = model
        self.objective = objective
        self.optimizer = optimizer
        self.callbacks = callbacks
    }

    /// The loss of the model's output (of its first output, for a model of several).
    public var loss: Loss { objective.losses[0] }

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
        let totals = try RunningTotals(device: loader.device, outputs: objective.outputKinds(of: loader), restoring: position)
        var iterator = try loader.batches(epoch: position.epoch, startingAt: position.batch)
        var batchIndex = position.batch
        while let batch = try iterator.nextBatch() {
            optimizer.zeroGrad()
            var batchLoss = try objective.loss(on: batch, adding: totals)
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
        metrics.trainOutputs = try Self.perOutput(totals)
        if let validation {
            let result = try evaluationTotals(validation)
            (metrics.validationLoss, metrics.validationAccuracy) = try result.read()
            metrics.validationOutputs = try Self.perOutput(result)
        }
        return .finished(metrics)
    }

    /// Mean loss and accuracy over a loader, in evaluation mode without gradients. For a model of several outputs the
    /// loss is the weighted total and the accuracy 0: `evaluatePerOutput(_:)` gives each output's.
    public func evaluate(_ loader: DataLoader) throws -> (loss: Float, accuracy: Float) {
        try evaluationTotals(loader).read()
    }

    /// The sums of a pass over a loader, in evaluation mode without gradients.
    func evaluationTotals(_ loader: DataLoader) throws -> RunningTotals {
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        let totals = try RunningTotals(device: loader.device, outputs: objective.outputKinds(of: loader))
        try withNoGrad {
            var iterator = loader.batches(epoch: 0)
            while let batch = try iterator.nextBatch() { _ = try objective.loss(on: batch, adding: totals) }
        }
        return totals
    }

    /// Each output's figures from `totals`, for a model of several outputs; nil for a unary model.
    private static func perOutput(_ totals: RunningTotals) throws -> [OutputMetrics]? {
        let outputs = try totals.readOutputs()
        return outputs.isEmpty ? nil : outputs
    }

    /// Class probabilities [N, classes] for a batch of inputs (of a unary model, or the first output of a model of
    /// one input and several outputs).
    public func predict(_ inputs: Tensor) throws -> Tensor {
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        return try withNoGrad { try objective.outputs([inputs])[0].softmax(axis: -1) }
    }
}
