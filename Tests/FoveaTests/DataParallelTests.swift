import Foundation
import FoveaTestSupport
import Testing

@testable import Fovea

/// Replicas of one process: the collectives of `InProcessReplicas` on threads, how a failing or departing replica
/// stops the others, and `DataParallel` training on the CPU and OpenCL device 0 at once as one device with their batch.
@Suite struct DataParallelTests {
    /// Runs `body` for each replica of a group of `count` on its own thread; returns each one's result or error.
    static func onThreads<T>(_ count: Int, _ body: @escaping (InProcessReplicas) throws -> T) throws -> [Result<T, Error>] {
        let replicas = try InProcessReplicas.group(count: count)
        let outcomes = ReplicaOutcomes<T>(count: count)
        for replica in replicas {
            Thread {
                outcomes.set(replica.rank, Result { try body(replica) })
                outcomes.done()
            }.start()
        }
        return try #require(outcomes.waitForAll(until: Date() + 30), "the replicas hang")
    }

    @Test func collectivesSumAndBroadcastOverThreads() throws {
        let results = try Self.onThreads(3) { replicas -> ([Double], [UInt8], [Float]) in
            let rank = replicas.rank
            let sums = try replicas.sum([Double(rank), 10 * Double(rank) + 1])
            var bytes: [UInt8] = [UInt8(rank), 7, UInt8(40 + rank)]
            try bytes.withUnsafeMutableBytes { try replicas.broadcast($0) }
            var values: [Float] = [Float(rank) + 0.5, -Float(rank)]
            try values.withUnsafeMutableBufferPointer { buffer in
                let pending = try replicas.startSum(buffer)
                try replicas.progress()
                try pending.wait()
            }
            return (sums, bytes, values)
        }
        for result in results {
            let (sums, bytes, values) = try result.get()
            #expect(sums == [3, 33])
            #expect(bytes == [0, 7, 40])
            #expect(values == [4.5, -3])
        }
    }

    @Test func aStoppedReplicaEndsTheOthersCollectivesWithItsReason() throws {
        let results = try Self.onThreads(3) { replicas -> [Double] in
            if replicas.rank == 2 {
                replicas.stop("replica 2 ran out of memory")
                throw FoveaError.invalidArgument("out of memory")
            }
            return try replicas.sum([1])
        }
        for rank in 0..<2 {
            #expect(throws: ReplicaGroupStopped(reason: "replica 2 ran out of memory")) { try results[rank].get() }
        }
    }

    @Test func aReplicaThatFinishesEarlyOrDisagreesStopsTheOthers() throws {
        let early = try Self.onThreads(2) { replicas -> [Double] in
            if replicas.rank == 1 { replicas.leave(); return [] }
            return try replicas.sum([1])
        }
        #expect(
            throws: ReplicaGroupStopped(
                reason: "replica 1 finished while replica 0 waits for it in collective operation 0 "
                    + "(the replicas made different calls)")
        ) { try early[0].get() }
        let disagreeing = try Self.onThreads(2) { replicas -> [Double] in
            try replicas.sum(Array(repeating: 1, count: replicas.rank + 1))
        }
        let stopped = disagreeing.compactMap { result -> String? in
            if case .failure(let error as ReplicaGroupStopped) = result { return error.reason }
            return nil
        }
        #expect(stopped.count == 2)
        #expect(stopped.allSatisfy { $0.hasPrefix("the replicas disagree on collective operation 0: a sum of Float64 of ") })
    }

    @Test(.enabled(if: testDevices.count > 1, "needs an OpenCL device"))
    func eachReplicaDrawsFromAGeneratorOfItsOwn() throws {
        let process = Generator.default
        let masks = try DataParallel(devices: [.cpu, .opencl(0)]).run { replica -> [[Float]] in
            #expect(Generator.default !== process && Generator.default.seed == process.seed)
            manualSeed(5)  // the replica's own, as an MPI rank's manualSeed is its process's
            let ones = try Tensor.ones([64], device: replica.device)
            return try (0..<3).map { _ in try ones.dropout(p: 0.5).toArray() }
        }
        // Both replicas drew the same stream in the same order, whatever the threads' timing (other tests may draw from
        // the process's generator meanwhile, so its offset says nothing here).
        #expect(masks[0] == masks[1])
        #expect(Set(masks[0].map { $0.description }).count > 1 && masks[0][0] != masks[0][1])
        #expect(Generator.default === process)
    }

    @Test func devicesMustBeDistinctAndSome() {
        #expect(throws: FoveaError.invalidArgument("DataParallel: no devices given")) { try DataParallel(devices: []) }
        #expect(throws: FoveaError.invalidArgument("DataParallel: device cpu is given twice; give each device once")) {
            try DataParallel(devices: [.cpu, .cpu])
        }
    }

    @Test func deviceListsParse() throws {
        #expect(try Device.parseList("cpu") == [.cpu])
        #expect(
            throws: FoveaError.invalidArgument(
                "device list 'cpu,,cpu': an empty name; separate devices with commas, e.g. opencl:0,opencl:1")
        ) {
            try Device.parseList("cpu,,cpu")
        }
        #expect(throws: FoveaError.invalidArgument("device list 'cpu, CPU': cpu is named twice; each device trains one replica"))
        {
            try Device.parseList("cpu, CPU")
        }
        let listing = OpenCLRuntime.listDevices().devices
        if listing.contains(where: \.isGPU) {
            #expect(try Device.parseList("all-gpus") == listing.filter(\.isGPU).map { .opencl($0.index) })
        } else {
            #expect { try Device.parseList("all-gpus") } throws: { "\($0)".contains("device 'all-gpus': no OpenCL GPU found") }
        }
        if testDevices.count > 1 {
            #expect(try Device.parseList("opencl:0,cpu") == [.opencl(0), .cpu])
            #expect(Device.listDescription([.opencl(0), .cpu]) == "opencl:0,cpu")
        }
    }

    /// The fixtures' MLP without its dropout (whose masks would differ between a replica's share and the whole batch).
    static func mlp(device: Device) throws -> Sequential {
        let model = Sequential {
            Flatten(); Dense(4, 32); ReLU(); Dense(32, 3)
        }
        let weights = TrainingFixtures.initialWeights(seed: 5)
        try model.loadStateDict(
            TrainingFixtures.copies(
                Dictionary(uniqueKeysWithValues: weights.map { ($0.replacingOccurrences(of: "4.", with: "3."), $1) }),
                shapesFrom: model))
        try model.to(device)
        return model
    }

    /// Trains that MLP on `devices` (one replica each, batches of `batchSize`) and returns replica 0's history
    /// (timings zeroed) and final weights.
    static func train(on devices: [Device], batchSize: Int, adam: Bool) throws -> ([EpochMetrics], [String: [Float]]) {
        let data = try TrainingFixtures.threeClasses(count: 37, seed: 4)
        let results = try DataParallel(devices: devices).run { replica in
            let model = try Self.mlp(device: replica.device)
            let optimizer: Optimizer =
                adam ? Adam(model.parameters, learningRate: 0.01) : SGD(model.parameters, learningRate: 0.1, momentum: 0.9)
            let trainer = Trainer(model: model, optimizer: optimizer)
            trainer.replicas = devices.count > 1 ? replica.group : nil
            let shard = devices.count > 1 ? replica.shard : nil
            let loader = try DataLoader(data, batchSize: batchSize, seed: 1, device: replica.device, shard: shard)
            let validation = try DataLoader(data, batchSize: 16, shuffle: false, device: replica.device, shard: shard)
            let history = try trainer.fit(loader, validation: validation, epochs: 3)
            return (
                history.map {
                    var m = $0; m.seconds = 0; m.imagesPerSecond = 0; return m
                }, try TrainingFixtures.values(of: model)
            )
        }
        // The CPU's and OpenCL's optimizer updates may differ in the last bits.
        for other in results.dropFirst() {
            for (name, values) in other.1 { #expect(allClose(values, results[0].1[name]!, atol: 1e-6, rtol: 1e-6), "\(name)") }
        }
        return results[0]
    }

    /// 37 samples in global batches of 2 x 5 end with a batch of 7, split 4/3.
    @Test(.enabled(if: testDevices.count > 1, "needs an OpenCL device"), arguments: [false, true])
    func theCPUAndAnOpenCLDeviceTrainAsOneDeviceWithTheirWholeBatch(adam: Bool) throws {
        let (together, weights) = try Self.train(on: [.cpu, .opencl(0)], batchSize: 5, adam: adam)
        let (alone, aloneWeights) = try Self.train(on: [.cpu], batchSize: 10, adam: adam)
        #expect(together.count == 3)
        for (a, b) in zip(together, alone) {
            #expect(abs(a.trainLoss - b.trainLoss) < 1e-5 && a.trainAccuracy == b.trainAccuracy, "\(a) vs \(b)")
            #expect(
                abs(a.validationLoss! - b.validationLoss!) < 1e-5 && a.validationAccuracy == b.validationAccuracy, "\(a) vs \(b)")
        }
        for (name, values) in weights { #expect(allClose(values, aloneWeights[name]!, atol: 1e-5, rtol: 1e-4), "\(name)") }
    }

    @Test(.enabled(if: testDevices.count > 1, "needs an OpenCL device"))
    func aFailingReplicaStopsTheOthersAndItsErrorIsThrown() throws {
        final class FailOnce: TrainingCallback {
            func batchDidEnd(_ trainer: Trainer, epoch: Int, batch: Int, of batches: Int, totals: RunningTotals) throws {
                if trainer.replicas?.rank == 1 && batch == 2 { throw FoveaError.invalidArgument("replica 1 gave up at batch 2") }
            }
        }
        let data = try TrainingFixtures.threeClasses(count: 37, seed: 4)
        let start = Date()
        #expect(throws: FoveaError.invalidArgument("replica 1 gave up at batch 2")) {
            try DataParallel(devices: [.cpu, .opencl(0)]).run { replica in
                let model = try Self.mlp(device: replica.device)
                let trainer = Trainer(model: model, optimizer: SGD(model.parameters), callbacks: [FailOnce()])
                trainer.replicas = replica.group
                try trainer.fit(DataLoader(data, batchSize: 4, device: replica.device, shard: replica.shard), epochs: 100)
            }
        }
        #expect(Date().timeIntervalSince(start) < 30)
    }
}
