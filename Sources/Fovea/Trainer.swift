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
    /// The replicas this one trains with (data parallelism), or nil to train alone. Each replica runs a `Trainer` on
    /// its own model with sharded loaders (`DataLoader(shard:)`): `fit` makes the models equal replica 0's (parameters
    /// and buffers), buffers such as BatchNorm's running statistics are replica 0's again before every step (as
    /// PyTorch DDP does), gradients are averaged over the global batch before each optimizer step (`GradientBuckets`),
    /// a stop requested on one replica stops all, and metrics are those of the whole data.
    public var replicas: ReplicaGroup?
    /// The size of the buckets in which gradients are summed over the replicas.
    public var bucketBytes = GradientBuckets.defaultBucketBytes
    /// The buckets of the last data-parallel step.
    public private(set) var gradientBuckets: GradientBuckets?

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
        let expectedSamples = min(position.batch * train.globalBatchSize, train.dataset.count)
        guard position.epoch >= 0, (0...train.count).contains(position.batch), position.samples == expectedSamples else {
            throw FoveaError.invalidArgument("fit: position epoch \(position.epoch), batch \(position.batch) with \(position.samples) samples "
                                             + "does not fit \(train.count) batches of \(train.globalBatchSize): resume with the batch size, "
                                             + "replicas and data it was trained with")
        }
        try checkShards(train, validation)
        stopRequested = false
        interruption = nil
        if let replicas { try replicas.broadcast(model.parameters.map(\.value) + model.namedBuffers.map(\.1.value)) }
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
        // Replica 0 carries an interrupted epoch's partial sums; the others' shares start at zero.
        let totals = try RunningTotals(device: loader.device, restoring: (replicas?.rank ?? 0) == 0 ? position : nil)
        var iterator = try loader.batches(epoch: position.epoch, startingAt: position.batch)
        var batchIndex = position.batch
        while let batch = try iterator.nextBatch() {
            optimizer.zeroGrad()
            if let replicas { try replicas.broadcast(model.namedBuffers.map(\.1.value)) }
            // A replica whose share of a short last batch is empty only takes part in the sums.
            let output = batch.indices.isEmpty ? nil : try model(batch.inputs)
            let buckets = try replicas.map { try replicaBuckets($0, batch: batch) }
            if let output {
                var batchLoss = try loss(output, batch.targets)
                try totals.add(loss: batchLoss, output: output, targets: batch.targets)
                if let penalty { batchLoss = try batchLoss + penalty(model.parameters) }
                try batchLoss.backward(onGradientReady: buckets.map { buckets in { try buckets.gradientReady($0) } })
            }
            try buckets?.finish()
            try optimizer.step()
            try FoveaCore.backend(for: loader.device).flush()
            step += 1
            batchIndex += 1
            for callback in callbacks { try callback.batchDidEnd(self, epoch: position.epoch, batch: batchIndex, of: loader.count, totals: totals) }
            if let replicas { stopRequested = try replicas.any(stopRequested) }
            if stopRequested { return .interrupted(try totals.position(epoch: position.epoch, batch: batchIndex, over: replicas)) }
            if let maxSteps, step >= maxSteps { break }
        }
        let (trainLoss, trainAccuracy, samples) = try totals.read(over: replicas)
        let seconds = Date().timeIntervalSince(start)
        var metrics = EpochMetrics(epoch: position.epoch, trainLoss: trainLoss, trainAccuracy: trainAccuracy, learningRate: optimizer.learningRate,
                                   seconds: seconds, imagesPerSecond: Double(samples - position.samples) / max(seconds, 1e-9))
        if let validation {
            let result = try evaluate(validation)
            metrics.validationLoss = result.loss
            metrics.validationAccuracy = result.accuracy
        }
        return .finished(metrics)
    }

    /// With replicas, after the forward (which draws a lazy layer's parameters): the gradient buckets, started for a
    /// step weighted by this replica's share of the batch. They are remade, after the parameters are made replica 0's
    /// again, when the trainable parameters changed (the first step, lazy layers drawn, a backbone unfrozen).
    private func replicaBuckets(_ replicas: ReplicaGroup, batch: Batch) throws -> GradientBuckets {
        let trainable = model.parameters.filter { !$0.isFrozen }
        let buckets: GradientBuckets
        if let current = gradientBuckets, current.holds(trainable) {
            buckets = current
        } else {
            try replicas.broadcast(model.parameters.map(\.value))
            buckets = try GradientBuckets(trainable, replicas: replicas, bucketBytes: bucketBytes)
        }
        gradientBuckets = buckets
        buckets.begin(weight: Float(batch.indices.count) / Float(max(batch.globalCount, 1)))
        return buckets
    }

    /// With replicas, every loader must be sharded over them (else each replica would train on everything).
    private func checkShards(_ loaders: DataLoader?...) throws {
        let expected = replicas.map { [$0.rank, $0.size] }
        for loader in loaders.compactMap({ $0 }) where loader.shard.map({ [$0.rank, $0.count] }) != expected {
            throw FoveaError.invalidArgument("Trainer: a loader's shard (\(loader.shard.map { "rank \($0.rank) of \($0.count)" } ?? "none")) is not the "
                                             + "trainer's replica (\(replicas.map { "rank \($0.rank) of \($0.size)" } ?? "none")): give every loader "
                                             + "DataShard(rank:count:) of the trainer's replicas, or none without replicas")
        }
    }

    /// Mean loss and accuracy over a loader, in evaluation mode without gradients (over every replica's share, with replicas).
    public func evaluate(_ loader: DataLoader) throws -> (loss: Float, accuracy: Float) {
        try checkShards(loader)
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        let totals = try RunningTotals(device: loader.device)
        try withNoGrad {
            var iterator = loader.batches(epoch: 0)
            while let batch = try iterator.nextBatch() {
                if batch.indices.isEmpty { continue }
                let output = try model(batch.inputs)
                try totals.add(loss: loss(output, batch.targets), output: output, targets: batch.targets)
            }
        }
        let (meanLoss, accuracy, _) = try totals.read(over: replicas)
        return (meanLoss, accuracy)
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

    /// The sums so far as the position after `batch` batches of `epoch` (a host sync on OpenCL); with replicas, the sums
    /// over all of them (every replica must call it).
    public func position(epoch: Int, batch: Int, over replicas: ReplicaGroup? = nil) throws -> TrainingPosition {
        let (loss, hits, count) = try sums(over: replicas)
        return TrainingPosition(epoch: epoch, batch: batch, lossSum: loss, correct: Int(hits), samples: count)
    }

    /// Mean loss and accuracy so far, of this replica's samples (a host sync on OpenCL).
    public func read() throws -> (loss: Float, accuracy: Float) {
        let (loss, accuracy, _) = try read(over: nil)
        return (loss, accuracy)
    }

    /// Mean loss and accuracy so far and the samples they cover, over every replica's samples (every replica must call it).
    public func read(over replicas: ReplicaGroup?) throws -> (loss: Float, accuracy: Float, samples: Int) {
        let (loss, hits, count) = try sums(over: replicas)
        guard count > 0 else { return (0, 0, 0) }
        return (loss / Float(count), hits / Float(count), count)
    }

    private func sums(over replicas: ReplicaGroup?) throws -> (loss: Float, correct: Float, samples: Int) {
        let local = (try lossSum.item(), try correct.item(), samples)
        guard let replicas else { return local }
        let total = try replicas.sum([Double(local.0), Double(local.1), Double(local.2)])
        return (Float(total[0]), Float(total[1]), Int(total[2]))
    }
}
