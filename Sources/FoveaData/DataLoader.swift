import Foundation
import FoveaCore

/// One batch on the loader's device: inputs [B, ...sampleShape] and targets [B] (Int32 class indices), or [B, 1]
/// (Float32 values) for a regression data set; a `MultiTensorDataset`'s batch has one tensor per input and per target.
public struct Batch {
    /// One tensor per model input, [B, ...shape] (a `Dataset`'s batch has one).
    public let allInputs: [Tensor]
    /// One tensor per model output: Int32 class indices [B] or Float32 values [B, ...shape] (a `Dataset`'s batch has one).
    public let allTargets: [Tensor]
    /// The dataset indices of the batch's samples, in batch order.
    public let indices: [Int]
    /// The samples of the whole batch, of which a sharded loader's batch is one replica's share (`indices.count` when
    /// the loader is not sharded).
    public let globalCount: Int

    /// The first input: a `Dataset`'s only one.
    public var inputs: Tensor { allInputs[0] }
    /// The first target: a `Dataset`'s only one.
    public var targets: Tensor { allTargets[0] }

    init(allInputs: [Tensor], allTargets: [Tensor], indices: [Int], globalCount: Int? = nil) {
        self.allInputs = allInputs
        self.allTargets = allTargets
        self.indices = indices
        self.globalCount = globalCount ?? indices.count
    }
}

/// One replica's part of a data set in data-parallel training: replica `rank` of `count`.
///
/// Every replica shuffles with the same seed and cuts the epoch into the same global batches of `count x batchSize`
/// samples; replica r takes the r-th consecutive part of each. A global batch that does not split evenly (the last
/// one of an epoch) is shared as evenly as it goes: its first `samples % count` parts get one sample more, and a
/// replica may get none. So N replicas see exactly the samples one loader with N times the batch size would.
public struct DataShard: Sendable, Equatable {
    public let rank: Int
    public let count: Int

    /// Throws unless 0 <= rank < count.
    public init(rank: Int, count: Int) throws {
        guard count > 0, (0..<count).contains(rank) else {
            throw FoveaError.invalidArgument("DataShard: rank \(rank) of \(count) replicas is out of range")
        }
        self.rank = rank
        self.count = count
    }

    /// This replica's part of `samples` consecutive samples, as a range of positions in them.
    public func part(of samples: Int) -> Range<Int> {
        let base = samples / count, extra = samples % count
        let start = rank * base + Swift.min(rank, extra)
        return start..<start + base + (rank < extra ? 1 : 0)
    }
}

/// Splits a dataset into batches, shuffled per epoch, transformed per sample and placed on a device.
///
/// Iterating the loader (`for batch in loader`) runs one epoch; each new iteration is the next epoch, with its
/// own order: epoch e's order and augmentations depend only on (seed, e), so a loader with the same seed repeats
/// them exactly. Batches are assembled and uploaded on a background thread, `prefetch` batches ahead; the thread
/// stops when the epoch ends or the iterator is dropped (for example by `break`). Every Sequence algorithm
/// (`Array(loader)`, `map`, `enumerated()`) starts an iterator, so each runs one epoch.
public final class DataLoader: Sequence {
    public let dataset: any Dataset
    public let batchSize: Int
    public let shuffle: Bool
    public let dropLast: Bool
    public let seed: UInt64
    public let transform: (any Transform)?
    public let device: Device
    /// How many batches the background thread prepares ahead (0: none, batches are made on demand).
    public let prefetch: Int
    /// The replica's part of each batch in data-parallel training, or nil for whole batches.
    public let shard: DataShard?
    /// The epoch that the next iteration runs (starts at 0).
    public private(set) var epoch = 0

    /// `shuffle` defaults to true, as in Keras' `fit`; pass false for evaluation. With a `shard`, `batchSize` is each
    /// replica's: batches are global batches of `shard.count x batchSize` samples, of which this loader gives its part.
    /// Throws when a setting is out of range or `transform` cannot handle the dataset's samples (a
    /// `MultiTensorDataset` takes no transform).
    public init(
        _ dataset: any Dataset, batchSize: Int = 32, shuffle: Bool = true, seed: UInt64 = 0, dropLast: Bool = false,
        transform: (any Transform)? = nil, device: Device = .cpu, prefetch: Int = 2, shard: DataShard? = nil
    ) throws {
        guard batchSize > 0 else { throw FoveaError.invalidArgument("DataLoader: batch size \(batchSize) must be positive") }
        guard prefetch >= 0 else { throw FoveaError.invalidArgument("DataLoader: prefetch \(prefetch) is negative") }
        guard dataset.count > 0 else { throw FoveaError.invalidArgument("DataLoader: the dataset is empty") }
        if transform != nil, let multi = dataset as? any MultiTensorDataset {
            throw FoveaError.invalidArgument(
                "DataLoader: transforms apply to one-input data sets, not to a MultiTensorDataset of \(multi.inputShapes.count) inputs"
            )
        }
        try transform?.validate(sampleShape: dataset.sampleShape)
        _ = try FoveaCore.backend(for: device)
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.seed = seed
        self.dropLast = dropLast
        self.transform = transform
        self.device = device
        self.prefetch = prefetch
        self.shard = shard
    }

    /// The kind of each target a batch holds: a `MultiTensorDataset`'s `targetKinds`, or for a `Dataset` one class
    /// index (`.values([1])` for a regression data set).
    public var targetKinds: [TargetKind] {
        if let multi = dataset as? any MultiTensorDataset { return multi.targetKinds }
        return [dataset.regressionTarget(at: 0) == nil ? .classIndex : .values([1])]
    }

    /// Samples per global batch: `batchSize` times the replicas sharing it.
    public var globalBatchSize: Int { batchSize * (shard?.count ?? 1) }

    /// Batches per epoch (global batches when sharded).
    public var count: Int { dropLast ? dataset.count / globalBatchSize : (dataset.count + globalBatchSize - 1) / globalBatchSize }

    /// The sample order of `epoch`.
    public func order(epoch: Int) -> [Int] {
        guard shuffle else { return Array(0..<dataset.count) }
        var generator = SeededGenerator(seed: seed, epoch)
        return generator.permutation(dataset.count)
    }

    /// Starts the next epoch.
    public func makeIterator() -> Iterator {
        defer { epoch += 1 }
        return batches(epoch: epoch)
    }

    /// The batches of a given epoch, without advancing `epoch`.
    public func batches(epoch: Int) -> Iterator {
        makeBatches(epoch: epoch, from: 0)
    }

    /// Batches `first ..< count` of a given epoch: the same batches, with the same samples and augmentations, as the
    /// full epoch from batch number `first` on (for resuming an interrupted epoch). `first == count` gives none.
    public func batches(epoch: Int, startingAt first: Int) throws -> Iterator {
        guard (0...count).contains(first) else {
            throw FoveaError.invalidArgument("DataLoader: batch \(first) is out of range: an epoch has \(count) batches")
        }
        return makeBatches(epoch: epoch, from: first)
    }

    private func makeBatches(epoch: Int, from first: Int) -> Iterator {
        let order = order(epoch: epoch), size = globalBatchSize
        let batches = (first..<count).map { order[$0 * size..<Swift.min(order.count, ($0 + 1) * size)] }
        let groups = batches.map { batch -> [Int] in
            guard let shard else { return Array(batch) }
            let part = shard.part(of: batch.count)
            return Array(batch[batch.startIndex + part.lowerBound..<batch.startIndex + part.upperBound])
        }
        let plan = BatchPlan(
            dataset: dataset, transform: transform, device: device, seed: seed, epoch: epoch,
            groups: groups, globalCounts: batches.map(\.count))
        return Iterator(plan: plan, prefetch: prefetch)
    }

    /// An epoch's batches in order. `next()` stops the program if a batch cannot be placed on the device
    /// (device memory exhausted); `nextBatch()` throws instead.
    public struct Iterator: IteratorProtocol {
        private let source: BatchSource

        init(plan: BatchPlan, prefetch: Int) {
            source = prefetch > 0 ? PrefetchingSource(plan: plan, depth: prefetch) : BatchSource(plan: plan)
        }

        public mutating func next() -> Batch? {
            do { return try nextBatch() } catch { fatalError("DataLoader: \(error)") }
        }

        /// The next batch, nil after the last; throws when the batch cannot be made.
        public mutating func nextBatch() throws -> Batch? { try source.next() }
    }
}

/// Everything needed to make one epoch's batches, safe to hand to another thread (it is never mutated).
struct BatchPlan: @unchecked Sendable {
    let dataset: any Dataset
    let transform: (any Transform)?
    let device: Device
    let seed: UInt64
    let epoch: Int
    let groups: [[Int]]
    /// The samples of each whole batch that `groups` holds a part of.
    let globalCounts: [Int]

    /// Assembles batch `number` on the host, transforms its samples and places it on the device.
    func makeBatch(_ number: Int) throws -> Batch {
        let indices = groups[number]
        if let multi = dataset as? any MultiTensorDataset { return try makeBatch(of: multi, indices: indices, number: number) }
        let shape = dataset.sampleShape
        let size = shape.count
        var inputs = [Float](repeating: 0, count: indices.count * size)
        try inputs.withUnsafeMutableBufferPointer { buffer in
            for (row, index) in indices.enumerated() {
                let sample = UnsafeMutableBufferPointer(rebasing: buffer[row * size..<(row + 1) * size])
                try dataset.copyFeatures(at: index, into: sample.baseAddress!)
                if let transform {
                    var generator = SeededGenerator(seed: seed, epoch, index)
                    transform.apply(sample, shape: shape, generator: &generator)
                }
            }
        }
        let values = indices.compactMap(dataset.regressionTarget(at:))
        let targets =
            values.count == indices.count && !values.isEmpty
            ? try Tensor(values, shape: [indices.count, 1], device: device)
            : try Tensor(int32: indices.map { Int32(dataset.label(at: $0)) }, shape: [indices.count], device: device)
        return Batch(
            allInputs: [try Tensor(inputs, shape: Shape([indices.count] + shape.dims), device: device)], allTargets: [targets],
            indices: indices, globalCount: globalCounts[number])
    }

    /// Batch `number`, of `indices`, of a data set of several inputs and targets: one tensor each.
    private func makeBatch(of dataset: any MultiTensorDataset, indices: [Int], number: Int) throws -> Batch {
        /// `indices.count` rows of `shape`, each written by `copy(row's sample index, destination)`.
        func gathered(_ shape: Shape, _ copy: (Int, UnsafeMutablePointer<Float>) throws -> Void) throws -> Tensor {
            let size = shape.count
            var values = [Float](repeating: 0, count: indices.count * size)
            try values.withUnsafeMutableBufferPointer { buffer in
                for (row, index) in indices.enumerated() { try copy(index, buffer.baseAddress! + row * size) }
            }
            return try Tensor(values, shape: Shape([indices.count] + shape.dims), device: device)
        }
        let inputs = try dataset.inputShapes.enumerated().map { input, shape in
            try gathered(shape) { try dataset.copyInput(input, at: $0, into: $1) }
        }
        let targets = try dataset.targetKinds.enumerated().map { target, kind in
            switch kind {
            case .classIndex:
                try Tensor(
                    int32: indices.map { Int32(dataset.classIndex(of: target, at: $0)) }, shape: [indices.count], device: device)
            case .values(let shape):
                try gathered(shape) { dataset.copyTargetValues(of: target, at: $0, into: $1) }
            }
        }
        return Batch(allInputs: inputs, allTargets: targets, indices: indices, globalCount: globalCounts[number])
    }
}

/// Makes batches on demand, on the caller's thread.
class BatchSource {
    let plan: BatchPlan
    private var position = 0

    init(plan: BatchPlan) { self.plan = plan }

    func next() throws -> Batch? {
        guard position < plan.groups.count else { return nil }
        defer { position += 1 }
        return try plan.makeBatch(position)
    }
}

/// Makes batches on a background thread, at most `depth` ahead of the consumer; stops when dropped.
final class PrefetchingSource: BatchSource {
    private let channel: BatchChannel

    init(plan: BatchPlan, depth: Int) {
        let channel = BatchChannel(depth: depth)
        self.channel = channel
        super.init(plan: plan)
        BatchChannel.producerStarted()
        let thread = Thread {
            defer { BatchChannel.producerFinished() }
            for number in plan.groups.indices {
                guard channel.waitForRoom() else { return }
                let result = Result { try plan.makeBatch(number) }
                channel.put(result)
                if case .failure = result { return }
            }
        }
        thread.name = "fovea.DataLoader"
        thread.start()
    }

    deinit { channel.cancel() }

    override func next() throws -> Batch? {
        guard let result = channel.take(expected: plan.groups.count) else { return nil }
        return try result.get()
    }
}

/// A bounded queue between the producing thread and the consumer.
final class BatchChannel: @unchecked Sendable {
    private let condition = NSCondition()
    private let depth: Int
    private var ready: [Result<Batch, Error>] = []
    private var taken = 0
    private var cancelled = false
    private var failed = false

    init(depth: Int) { self.depth = depth }

    private static let countLock = NSLock()
    nonisolated(unsafe) private static var running = 0
    /// Producer threads now running, across all loaders (for tests).
    static var runningProducers: Int { countLock.lock(); defer { countLock.unlock() }; return running }
    static func producerStarted() { countLock.lock(); running += 1; countLock.unlock() }
    static func producerFinished() { countLock.lock(); running -= 1; countLock.unlock() }

    /// Blocks the producer until there is room; false once the consumer is gone.
    func waitForRoom() -> Bool {
        condition.lock(); defer { condition.unlock() }
        while ready.count >= depth && !cancelled { condition.wait() }
        return !cancelled
    }

    func put(_ result: Result<Batch, Error>) {
        condition.lock(); defer { condition.unlock() }
        ready.append(result)
        condition.broadcast()
    }

    /// The next result, or nil once `expected` batches were taken or one failed.
    func take(expected: Int) -> Result<Batch, Error>? {
        condition.lock(); defer { condition.unlock() }
        guard taken < expected, !failed else { return nil }
        while ready.isEmpty { condition.wait() }
        let result = ready.removeFirst()
        taken += 1
        if case .failure = result { failed = true }
        condition.broadcast()
        return result
    }

    func cancel() {
        condition.lock(); defer { condition.unlock() }
        cancelled = true
        ready.removeAll()
        condition.broadcast()
    }
}
