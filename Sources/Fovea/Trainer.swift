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

    /// Trains a model of one input and one output with `loss`.
    public convenience init(
        model: some UnaryLayer, optimizer: Optimizer, loss: Loss = CrossEntropyLoss(), callbacks: [TrainingCallback] = []
    ) {
        self.init(
            model: model, objective: TrainingObjective(model: .unary(model), losses: [loss], weights: [1]),
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
    public func fit(
        _ train: DataLoader, validation: DataLoader? = nil, epochs: Int,
        from position: TrainingPosition = TrainingPosition(epoch: 0)
    ) throws -> [EpochMetrics] {
        let expectedSamples = min(position.batch * train.globalBatchSize, train.dataset.count)
        guard position.epoch >= 0, (0...train.count).contains(position.batch), position.samples == expectedSamples else {
            throw FoveaError.invalidArgument(
                "fit: position epoch \(position.epoch), batch \(position.batch) with \(position.samples) samples "
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
    private func trainEpoch(_ loader: DataLoader, from position: TrainingPosition, validation: DataLoader?) throws -> EpochOutcome
    {
        model.train()
        let start = Date()
        // Replica 0 carries an interrupted epoch's partial sums; the others' shares start at zero.
        let totals = try RunningTotals(
            device: loader.device, outputs: objective.outputKinds(of: loader),
            restoring: (replicas?.rank ?? 0) == 0 ? position : nil)
        var iterator = try loader.batches(epoch: position.epoch, startingAt: position.batch)
        var batchIndex = position.batch
        while let batch = try iterator.nextBatch() {
            optimizer.zeroGrad()
            if let replicas { try replicas.broadcast(model.namedBuffers.map(\.1.value)) }
            // A replica whose share of a short last batch is empty only takes part in the sums.
            let objectiveLoss = batch.indices.isEmpty ? nil : try objective.loss(on: batch, adding: totals)
            let buckets = try replicas.map { try replicaBuckets($0, batch: batch) }
            if var batchLoss = objectiveLoss {
                if let penalty { batchLoss = try batchLoss + penalty(model.parameters) }
                try batchLoss.backward(onGradientReady: buckets.map { buckets in { try buckets.gradientReady($0) } })
            }
            try buckets?.finish()
            try optimizer.step()
            try FoveaCore.backend(for: loader.device).flush()
            step += 1
            batchIndex += 1
            for callback in callbacks {
                try callback.batchDidEnd(self, epoch: position.epoch, batch: batchIndex, of: loader.count, totals: totals)
            }
            if let replicas { stopRequested = try replicas.any(stopRequested) }
            if stopRequested {
                return .interrupted(try totals.position(epoch: position.epoch, batch: batchIndex, over: replicas))
            }
            if let maxSteps, step >= maxSteps { break }
        }
        let train = try totals.snapshot(over: replicas)
        let seconds = Date().timeIntervalSince(start)
        var metrics = EpochMetrics(
            epoch: position.epoch, trainLoss: train.loss, trainAccuracy: train.accuracy, learningRate: optimizer.learningRate,
            seconds: seconds, imagesPerSecond: Double(train.samples - position.samples) / max(seconds, 1e-9))
        metrics.trainOutputs = Self.perOutput(train)
        if let validation {
            let result = try evaluationTotals(validation).snapshot(over: replicas)
            (metrics.validationLoss, metrics.validationAccuracy) = (result.loss, result.accuracy)
            metrics.validationOutputs = Self.perOutput(result)
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
            throw FoveaError.invalidArgument(
                "Trainer: a loader's shard (\(loader.shard.map { "rank \($0.rank) of \($0.count)" } ?? "none")) is not the "
                    + "trainer's replica (\(replicas.map { "rank \($0.rank) of \($0.size)" } ?? "none")): give every loader "
                    + "DataShard(rank:count:) of the trainer's replicas, or none without replicas")
        }
    }

    /// Mean loss and accuracy over a loader, in evaluation mode without gradients (over every replica's share, with
    /// replicas). For a model of several outputs the loss is the weighted total and the accuracy 0:
    /// `evaluatePerOutput(_:)` gives each output's.
    public func evaluate(_ loader: DataLoader) throws -> (loss: Float, accuracy: Float) {
        let (loss, accuracy, _) = try evaluationTotals(loader).read(over: replicas)
        return (loss, accuracy)
    }

    /// The sums of a pass over a loader (this replica's share of it), in evaluation mode without gradients.
    func evaluationTotals(_ loader: DataLoader) throws -> RunningTotals {
        try checkShards(loader)
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        let totals = try RunningTotals(device: loader.device, outputs: objective.outputKinds(of: loader))
        try withNoGrad {
            var iterator = loader.batches(epoch: 0)
            while let batch = try iterator.nextBatch() {
                if batch.indices.isEmpty { continue }
                _ = try objective.loss(on: batch, adding: totals)
            }
        }
        return totals
    }

    /// Each output's figures from a snapshot of the totals, for a model of several outputs; nil for a unary model.
    static func perOutput(_ totals: RunningTotals.Snapshot) -> [OutputMetrics]? {
        totals.outputs.isEmpty ? nil : totals.outputs
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
