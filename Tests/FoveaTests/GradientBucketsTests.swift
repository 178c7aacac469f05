import Foundation
import Fovea
import FoveaTestSupport
import Testing

/// Gradient buckets and the trainer's replica hook, with stand-in replicas in this process (the MPI ones are tested
/// through mpirun in DistributedTrainingTests).
@Suite struct GradientBucketsTests {
    /// Replica 0 of `size` whose partners hold exactly its values: a sum multiplies by `size`. Records, for each
    /// bucket sum started, how many gradients backward had completed by then.
    final class MirrorReplicas: ReplicaGroup {
        let rank = 0
        let size: Int
        var gradientsReady = 0
        private(set) var startedAfter: [Int] = []
        private(set) var summedCounts: [Int] = []

        init(size: Int) { self.size = size }

        final class Pending: PendingSum {
            let values: UnsafeMutableBufferPointer<Float>, factor: Float
            init(_ values: UnsafeMutableBufferPointer<Float>, factor: Float) { self.values = values; self.factor = factor }
            func wait() throws { for i in values.indices { values[i] *= factor } }
        }

        func broadcast(_ bytes: UnsafeMutableRawBufferPointer) throws {}
        func sum(_ values: UnsafeMutableBufferPointer<Double>) throws { for i in values.indices { values[i] *= Double(size) } }
        func startSum(_ values: UnsafeMutableBufferPointer<Float>) throws -> PendingSum {
            startedAfter.append(gradientsReady)
            summedCounts.append(values.count)
            return Pending(values, factor: Float(size))
        }
        func progress() throws {}
    }

    /// The test MLP (4 -> 32 -> 3: parameters of 128, 32, 96 and 3 values) in evaluation mode, and a batch.
    static func model(device: Device) throws -> (Sequential, Tensor, Tensor) {
        let model = try TrainingFixtures.mlp(
            weights: TrainingFixtures.initialWeights(seed: 3), generator: Generator(seed: 1), device: device)
        model.eval()
        let inputs = try testTensor([6, 4], device: device, seed: 9)
        let targets = try Tensor(int32: [0, 1, 2, 0, 1, 2], shape: [6], device: device)
        return (model, inputs, targets)
    }

    @Test(arguments: testDevices, [true, false])
    func bucketsSumWeightedGradientsStartingDuringBackward(device: Device, overlaps: Bool) throws {
        let (model, inputs, targets) = try Self.model(device: device)
        try CrossEntropyLoss()(model(inputs), targets).backward()
        let alone = try model.parameters.map { try $0.grad!.toArray() }
        model.zeroGrad()

        let replicas = MirrorReplicas(size: 2)
        let buckets = try GradientBuckets(model.parameters, replicas: replicas, bucketBytes: 100 * 4)
        buckets.overlaps = overlaps
        // Backward order: the last layer's bias and weight (99 values) fill one bucket; the first layer's bias (32)
        // starts a second; its weight (128), larger than a bucket, has one of its own.
        #expect(buckets.bucketSizes == [99 * 4, 32 * 4, 128 * 4])
        #expect(buckets.holds(model.parameters) && !buckets.holds(Array(model.parameters.dropFirst())))
        // A lazy layer's weight has no values before its first call, and the buckets laid out then no room for them.
        let lazy = Sequential { Dense(outputs: 2) }
        let early = try GradientBuckets(lazy.parameters, replicas: replicas)
        #expect(early.holds(lazy.parameters))
        _ = try lazy(inputs.to(.cpu))
        #expect(!early.holds(lazy.parameters))
        buckets.begin(weight: 0.25)
        try CrossEntropyLoss()(model(inputs), targets).backward(onGradientReady: {
            replicas.gradientsReady += 1
            try buckets.gradientReady($0)
        })
        try buckets.finish()
        // Sums start in bucket order on every replica (collectives must match across them). Overlapping, the last
        // layer's bucket starts when its two gradients are in; this MLP's backward completes the first layer's weight
        // (the third bucket) before its bias (the second), so the third waits for the second and both start after the
        // fourth gradient. Without overlap all start at the end.
        #expect(replicas.summedCounts == [99, 32, 128])
        #expect(replicas.startedAfter == (overlaps ? [2, 4, 4] : [4, 4, 4]))
        for (parameter, values) in zip(model.parameters, alone) {
            // 0.25 of this replica's gradient plus its mirror's: half of it.
            #expect(allClose(try parameter.grad!.toArray(), values.map { $0 * 0.5 }, atol: 1e-7, rtol: 1e-6))
            #expect(parameter.grad!.device == device && parameter.grad!.shape == parameter.shape)
        }

        // A replica with no samples takes part with zeros and receives the sums like the others.
        model.zeroGrad()
        buckets.begin(weight: 0)
        try buckets.finish()
        #expect(try model.parameters.allSatisfy { try $0.grad!.toArray().allSatisfy { $0 == 0 } })
    }

    /// The test MLP, or one of lazy layers (drawn at the first call: the buckets laid out before it are remade).
    @Test(arguments: [false, true])
    func aTrainerWithOneReplicaTrainsAsWithout(lazy: Bool) throws {
        let data = try TrainingFixtures.threeClasses(count: 50, seed: 4)
        func train(_ replicas: ReplicaGroup?) throws -> ([EpochMetrics], [String: [Float]]) {
            // A generator of its own: tests running in parallel draw from the default one.
            let generator = Generator(seed: 8)
            let model =
                lazy
                ? Sequential {
                    Dense(outputs: 16, generator: generator); ReLU(); Dense(outputs: 3, generator: generator)
                }
                : try TrainingFixtures.mlp(
                    weights: TrainingFixtures.initialWeights(seed: 5), generator: Generator(seed: 2), device: .cpu)
            let trainer = Trainer(model: model, optimizer: Adam(model.parameters, learningRate: 0.01))
            trainer.replicas = replicas
            let shard = try replicas.map { try DataShard(rank: $0.rank, count: $0.size) }
            let loader = try DataLoader(data, batchSize: 8, seed: 1, shard: shard)
            let validation = try DataLoader(data, batchSize: 16, shuffle: false, shard: shard)
            let history = try trainer.fit(loader, validation: validation, epochs: 2)
            return (
                history.map {
                    var m = $0; m.seconds = 0; m.imagesPerSecond = 0; return m
                }, try TrainingFixtures.values(of: model)
            )
        }
        let (plain, plainWeights) = try train(nil)
        let (replicated, replicatedWeights) = try train(MirrorReplicas(size: 1))
        #expect(plain == replicated)
        #expect(plainWeights == replicatedWeights)
    }

    @Test func aLoaderMustBeShardedAsTheTrainerIsReplicated() throws {
        let data = try TrainingFixtures.threeClasses(count: 20, seed: 4)
        let model = try TrainingFixtures.mlp(
            weights: TrainingFixtures.initialWeights(seed: 5), generator: Generator(seed: 2), device: .cpu)
        let trainer = Trainer(model: model, optimizer: SGD(model.parameters, learningRate: 0.1))
        trainer.replicas = MirrorReplicas(size: 2)
        #expect(
            throws: FoveaError.invalidArgument(
                "Trainer: a loader's shard (none) is not the trainer's replica (rank 0 of 2): give every loader "
                    + "DataShard(rank:count:) of the trainer's replicas, or none without replicas")
        ) {
            try trainer.fit(try DataLoader(data, batchSize: 4), epochs: 1)
        }
    }
}
