import Foundation
import Fovea
import FoveaTestSupport
import Testing

/// Resuming from a checkpoint continues training exactly as if it had never stopped.
@Suite struct ResumeTests {
    /// One training setup: a dropout MLP with Adam on 300 noise-augmented samples (10 batches, the last of 12),
    /// its own generator and a checkpoint folder.
    struct Run {
        let generator: Generator
        let model: Sequential
        let optimizer: Adam
        let trainer: Trainer
        let train: DataLoader
        let validation: DataLoader

        init(device: Device, directory: URL) throws {
            generator = Generator(seed: 11)
            model = try TrainingFixtures.mlp(
                weights: TrainingFixtures.initialWeights(seed: 5), generator: generator, device: device)
            optimizer = Adam(model.parameters, learningRate: 0.01)
            trainer = Trainer(
                model: model, optimizer: optimizer,
                callbacks: [CheckpointCallback(directory: directory, metadata: ["test": "resume"], generator: generator)])
            train = try DataLoader(
                try TrainingFixtures.threeClasses(count: 300, seed: 21), batchSize: 32, seed: 3,
                transform: GaussianNoise(standardDeviation: 0.05), device: device)
            validation = try DataLoader(
                try TrainingFixtures.threeClasses(count: 90, seed: 22), batchSize: 64, shuffle: false, device: device)
        }
    }

    /// Stops the trainer after `batches` batches of epoch `epoch`, and records the position it is told training stopped at.
    final class StopMidEpoch: TrainingCallback {
        let epoch: Int, batches: Int
        private(set) var interruptedAt: TrainingPosition?
        init(epoch: Int, batches: Int) { self.epoch = epoch; self.batches = batches }
        func batchDidEnd(_ trainer: Trainer, epoch: Int, batch: Int, of batches: Int, totals: RunningTotals) throws {
            if epoch == self.epoch && batch == self.batches { trainer.stopRequested = true }
        }
        func trainingWasInterrupted(_ trainer: Trainer, at position: TrainingPosition) throws { interruptedAt = position }
    }

    /// The batches each epoch trained, as (epoch, batch number from 1).
    final class BatchLog: TrainingCallback {
        private(set) var batches: [(epoch: Int, batch: Int)] = []
        func batchDidEnd(_ trainer: Trainer, epoch: Int, batch: Int, of batches: Int, totals: RunningTotals) throws {
            self.batches.append((epoch, batch))
        }
    }

    static func expectSame(_ a: EpochMetrics, _ b: EpochMetrics, tolerance: Float) {
        #expect(a.epoch == b.epoch)
        #expect(abs(a.trainLoss - b.trainLoss) <= tolerance, "train loss \(a.trainLoss) vs \(b.trainLoss)")
        #expect(abs(a.trainAccuracy - b.trainAccuracy) <= tolerance, "train accuracy \(a.trainAccuracy) vs \(b.trainAccuracy)")
        #expect(
            abs(a.validationLoss! - b.validationLoss!) <= tolerance,
            "validation loss \(a.validationLoss!) vs \(b.validationLoss!)")
        #expect(
            abs(a.validationAccuracy! - b.validationAccuracy!) <= tolerance,
            "validation accuracy \(a.validationAccuracy!) vs \(b.validationAccuracy!)")
        #expect(a.learningRate == b.learningRate)
    }

    /// The tolerance for two runs of the same computation: bitwise on the CPU, reduction order may vary on OpenCL.
    static func tolerance(_ device: Device) -> Float { device == .cpu ? 0 : 1e-6 }

    static func expectSameWeights(_ a: Module, _ b: Module, device: Device, sourceLocation: SourceLocation = #_sourceLocation)
        throws
    {
        let first = try TrainingFixtures.values(of: a), second = try TrainingFixtures.values(of: b)
        #expect(first.keys.sorted() == second.keys.sorted(), sourceLocation: sourceLocation)
        for (name, values) in first {
            #expect(maxAbsDifference(values, second[name]!) <= tolerance(device), "\(name)", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: testDevices)
    func threeEpochsThenResumeMatchesFourEpochs(device: Device) throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let straight = try Run(device: device, directory: directory.appendingPathComponent("straight"))
        let reference = try straight.trainer.fit(straight.train, validation: straight.validation, epochs: 4)
        #expect(reference.count == 4)

        let first = try Run(device: device, directory: directory.appendingPathComponent("split"))
        try first.trainer.fit(first.train, validation: first.validation, epochs: 3)
        for (a, b) in zip(first.trainer.history, reference) { Self.expectSame(a, b, tolerance: Self.tolerance(device)) }

        // A fresh process would start from other weights, another generator position and a new optimizer.
        let resumed = try Run(device: device, directory: directory.appendingPathComponent("resumed"))
        resumed.generator.manualSeed(999)
        let checkpoint = directory.appendingPathComponent("split/epoch-003.safetensors")
        let position = try Checkpoint.resume(
            model: resumed.model, optimizer: resumed.optimizer, generator: resumed.generator, from: checkpoint)
        #expect(position == TrainingPosition(epoch: 3))
        #expect(resumed.optimizer.stepCount == 3 * 10)
        let continued = try resumed.trainer.fit(resumed.train, validation: resumed.validation, epochs: 4, from: position)
        #expect(continued.count == 1)
        Self.expectSame(continued[0], reference[3], tolerance: Self.tolerance(device))
        try Self.expectSameWeights(straight.model, resumed.model, device: device)
    }

    /// Where the interruption tests stop: in the first epoch, mid-run, and after the last batch of an epoch.
    static let stops = [(epoch: 0, batch: 3), (epoch: 1, batch: 4), (epoch: 1, batch: 10)]

    @Test(arguments: testDevices, stops.indices)
    func interruptionSavesThePositionAndResumingMatchesTheUninterruptedRun(device: Device, stopIndex: Int) throws {
        let (stopEpoch, stopBatch) = Self.stops[stopIndex]
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let straight = try Run(device: device, directory: directory.appendingPathComponent("straight"))
        let reference = try straight.trainer.fit(straight.train, validation: straight.validation, epochs: 3)
        #expect(straight.trainer.interruption == nil)

        let interrupted = try Run(device: device, directory: directory.appendingPathComponent("interrupted"))
        let stop = StopMidEpoch(epoch: stopEpoch, batches: stopBatch)
        interrupted.trainer.callbacks.append(stop)
        let history = try interrupted.trainer.fit(interrupted.train, validation: interrupted.validation, epochs: 3)
        #expect(history.count == stopEpoch)
        #expect(interrupted.trainer.step == stopEpoch * 10 + stopBatch)
        let samples = min(stopBatch * 32, 300)
        let position = try #require(interrupted.trainer.interruption)
        #expect(position.epoch == stopEpoch && position.batch == stopBatch && position.samples == samples)
        #expect(stop.interruptedAt == position)

        // last.safetensors holds the weights at the interruption; epoch-NNN files only complete epochs.
        let folder = directory.appendingPathComponent("interrupted")
        let last = folder.appendingPathComponent("last.safetensors")
        let (saved, metadata) = try Safetensors.read(from: last)
        #expect(metadata["epoch"] == String(stopEpoch - 1))
        let current = try TrainingFixtures.values(of: interrupted.model)
        for (name, tensor) in saved { #expect(try tensor.toArray() == current[name]!, "\(name)") }
        let optimizerMetadata = try Safetensors.read(from: Checkpoint.optimizerFile(for: last)).metadata
        #expect(
            optimizerMetadata["position_epoch"] == String(stopEpoch) && optimizerMetadata["position_batch"] == String(stopBatch))
        #expect(optimizerMetadata["partial_samples"] == String(samples))
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        let epochFiles = (0..<stopEpoch).flatMap {
            [String(format: "epoch-%03d.optim.safetensors", $0 + 1), String(format: "epoch-%03d.safetensors", $0 + 1)]
        }
        #expect(files == epochFiles + ["last.optim.safetensors", "last.safetensors"])

        // A fresh process: other weights, another generator position, a new optimizer.
        let resumed = try Run(device: device, directory: directory.appendingPathComponent("resumed"))
        resumed.generator.manualSeed(999)
        let log = BatchLog()
        resumed.trainer.callbacks.append(log)
        let restored = try Checkpoint.resume(
            model: resumed.model, optimizer: resumed.optimizer, generator: resumed.generator, from: last)
        #expect(restored == position, "the partial sums round-trip exactly")
        #expect(resumed.optimizer.stepCount == stopEpoch * 10 + stopBatch)
        let continued = try resumed.trainer.fit(resumed.train, validation: resumed.validation, epochs: 3, from: restored)
        #expect(
            log.batches.first.map { [$0.epoch, $0.batch] } == (stopBatch < 10 ? [stopEpoch, stopBatch + 1] : [stopEpoch + 1, 1]))
        #expect(log.batches.count == 3 * 10 - (stopEpoch * 10 + stopBatch))
        #expect(continued.map(\.epoch) == Array(stopEpoch..<3))
        for (a, b) in zip(continued, reference[stopEpoch...]) { Self.expectSame(a, b, tolerance: Self.tolerance(device)) }
        try Self.expectSameWeights(straight.model, resumed.model, device: device)
    }

    @Test func aPositionFromAnotherBatchSizeIsRefused() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try Run(device: .cpu, directory: directory)
        let before = try TrainingFixtures.values(of: run.model)
        // 4 batches of 16 samples, but this loader's batches hold 32.
        #expect(throws: FoveaError.self) {
            try run.trainer.fit(
                run.train, epochs: 2, from: TrainingPosition(epoch: 1, batch: 4, lossSum: 40, correct: 30, samples: 64))
        }
        #expect(throws: FoveaError.self) {
            try run.trainer.fit(run.train, epochs: 2, from: TrainingPosition(epoch: 0, batch: 11, samples: 300))
        }
        #expect(try TrainingFixtures.values(of: run.model) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func checkpointsWithoutAPositionResumeAtTheNextEpoch() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try Run(device: .cpu, directory: directory)
        let file = directory.appendingPathComponent("old.safetensors")
        try Checkpoint.save(model: run.model, optimizer: run.optimizer, epoch: 4, to: file)
        let optimizerFile = Checkpoint.optimizerFile(for: file)
        let (tensors, metadata) = try Safetensors.read(from: optimizerFile)
        #expect(metadata["position_epoch"] == "5" && metadata["position_batch"] == "0" && metadata["partial_samples"] == "0")

        // As written before positions were saved.
        let older = metadata.filter { !$0.key.hasPrefix("position_") && !$0.key.hasPrefix("partial_") }
        try Safetensors.write(tensors, metadata: older, to: optimizerFile)
        #expect(
            try Checkpoint.resume(model: run.model, optimizer: run.optimizer, generator: run.generator, from: file)
                == TrainingPosition(epoch: 5))

        var broken = metadata
        broken["partial_correct"] = "many"
        try Safetensors.write(tensors, metadata: broken, to: optimizerFile)
        let error = #expect(throws: FoveaError.self) {
            try Checkpoint.resume(model: run.model, optimizer: run.optimizer, generator: run.generator, from: file)
        }
        #expect(
            error?.description.hasPrefix("\(optimizerFile.path): malformed training position (") == true,
            "\(String(describing: error))")
        #expect(error?.description.contains("partial_correct=many") == true)
    }

    @Test(arguments: testDevices)
    func batchesStartingAtAnIndexAreTheTailOfTheEpoch(device: Device) throws {
        let run = try Run(device: device, directory: FileManager.default.temporaryDirectory)
        func collect(_ iterator: DataLoader.Iterator) throws -> [Batch] {
            var iterator = iterator, batches: [Batch] = []
            while let batch = try iterator.nextBatch() { batches.append(batch) }
            return batches
        }
        let full = try collect(run.train.batches(epoch: 2))
        for first in [0, 1, 7, 9, 10] {
            let tail = try collect(run.train.batches(epoch: 2, startingAt: first))
            #expect(tail.count == full.count - first)
            for (a, b) in zip(tail, full[first...]) {
                #expect(a.indices == b.indices)
                #expect(try a.inputs.toArray() == b.inputs.toArray())
                #expect(try a.targets.toInt32Array() == b.targets.toInt32Array())
            }
        }
        #expect(throws: FoveaError.invalidArgument("DataLoader: batch 11 is out of range: an epoch has 10 batches")) {
            try run.train.batches(epoch: 0, startingAt: 11)
        }
        #expect(throws: FoveaError.self) { try run.train.batches(epoch: 0, startingAt: -1) }
    }

    @Test func resumeNeedsTheOptimizerFile() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try Run(device: .cpu, directory: directory)
        let file = directory.appendingPathComponent("model.safetensors")
        try Checkpoint.save(model: run.model, epoch: 0, to: file)
        #expect(
            throws: FoveaError.badFile(
                path: Checkpoint.optimizerFile(for: file).path,
                reason: "no such file: resuming needs the optimizer state saved beside model.safetensors")
        ) {
            try Checkpoint.resume(model: run.model, optimizer: run.optimizer, from: file)
        }
    }
}
