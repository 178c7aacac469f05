import Foundation

/// What one epoch of training measured.
public struct EpochMetrics: Codable, Sendable, Equatable {
    public var epoch: Int
    public var trainLoss: Float
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
    /// Set (by a callback or a signal handler) to stop after the current step.
    public var stopRequested = false
    /// Steps taken by this trainer.
    public private(set) var step = 0
    /// Metrics of each finished epoch.
    public private(set) var history: [EpochMetrics] = []

    public init(model: Module, optimizer: Optimizer, loss: Loss = CrossEntropyLoss(), callbacks: [TrainingCallback] = []) {
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
        self.callbacks = callbacks
    }

    /// Trains for epochs `startEpoch ..< epochs` (epochs count from 0; resuming after epoch k starts at k + 1).
    /// Clears `stopRequested` first; returns the history of every `fit` so far.
    @discardableResult
    public func fit(_ train: DataLoader, validation: DataLoader? = nil, epochs: Int, startEpoch: Int = 0) throws -> [EpochMetrics] {
        stopRequested = false
        for callback in callbacks { try callback.trainingWillStart(self) }
        var epoch = startEpoch
        while epoch < epochs && !stopRequested {
            guard let metrics = try trainEpoch(train, epoch: epoch, validation: validation) else {
                // Interrupted mid-epoch: the last complete epoch is epoch - 1.
                for callback in callbacks { try callback.trainingWasInterrupted(self, lastCompleteEpoch: epoch - 1) }
                break
            }
            history.append(metrics)
            for callback in callbacks { try callback.epochDidEnd(self, metrics: metrics) }
            epoch += 1
            if let maxSteps, step >= maxSteps { break }
        }
        for callback in callbacks { try callback.trainingDidEnd(self) }
        return history
    }

    /// One epoch's training and validation; nil when `stopRequested` cut it short.
    private func trainEpoch(_ loader: DataLoader, epoch: Int, validation: DataLoader?) throws -> EpochMetrics? {
        model.train()
        let start = Date()
        let totals = try RunningTotals(device: loader.device)
        var iterator = loader.batches(epoch: epoch)
        var batchIndex = 0
        while let batch = try iterator.nextBatch() {
            optimizer.zeroGrad()
            let output = try model(batch.inputs)
            var batchLoss = try loss(output, batch.targets)
            try totals.add(loss: batchLoss, output: output, targets: batch.targets)
            if let penalty { batchLoss = try batchLoss + penalty(model.parameters) }
            try batchLoss.backward()
            try optimizer.step()
            step += 1
            batchIndex += 1
            for callback in callbacks { try callback.batchDidEnd(self, epoch: epoch, batch: batchIndex, of: loader.count, totals: totals) }
            if stopRequested { return nil }
            if let maxSteps, step >= maxSteps { break }
        }
        let (trainLoss, trainAccuracy) = try totals.read()
        let seconds = Date().timeIntervalSince(start)
        var metrics = EpochMetrics(epoch: epoch, trainLoss: trainLoss, trainAccuracy: trainAccuracy, learningRate: optimizer.learningRate,
                                   seconds: seconds, imagesPerSecond: Double(totals.samples) / max(seconds, 1e-9))
        if let validation {
            let result = try evaluate(validation)
            metrics.validationLoss = result.loss
            metrics.validationAccuracy = result.accuracy
        }
        return metrics
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
                try totals.add(loss: loss(output, batch.targets), output: output, targets: batch.targets)
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

/// Sums of loss and correct predictions kept on the device, read back only when asked.
public final class RunningTotals {
    private let lossSum: Tensor
    private let correct: Tensor
    /// Samples added so far.
    public private(set) var samples = 0

    init(device: Device) throws {
        lossSum = try Tensor.zeros([], device: device)
        correct = try Tensor.zeros([], device: device)
    }

    func add(loss: Tensor, output: Tensor, targets: Tensor) throws {
        let batch = targets.count
        let backend = try loss.backend
        try backend.axpy(alpha: Float(batch), x: loss.storage, y: lossSum.storage, count: 1)
        let hits = try withNoGrad { try output.argmax(axis: -1).eq(targets).sum() }
        try backend.axpy(alpha: 1, x: hits.storage, y: correct.storage, count: 1)
        samples += batch
    }

    /// Mean loss and accuracy so far (a host sync on OpenCL).
    public func read() throws -> (loss: Float, accuracy: Float) {
        guard samples > 0 else { return (0, 0) }
        return (try lossSum.item() / Float(samples), try correct.item() / Float(samples))
    }
}
