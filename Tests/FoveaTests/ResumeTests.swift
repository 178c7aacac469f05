import Foundation
import Fovea
import FoveaTestSupport
import Testing

/// Resuming from a checkpoint continues training exactly as if it had never stopped.
@Suite struct ResumeTests {
    /// One training setup: a dropout MLP with Adam on 300 samples, its own generator and a checkpoint folder.
    struct Run {
        let generator: Generator
        let model: Sequential
        let optimizer: Adam
        let trainer: Trainer
        let train: DataLoader
        let validation: DataLoader

        init(device: Device, directory: URL) throws {
            generator = Generator(seed: 11)
            model = try TrainingFixtures.mlp(weights: TrainingFixtures.initialWeights(seed: 5), generator: generator, device: device)
            optimizer = Adam(model.parameters, learningRate: 0.01)
            trainer = Trainer(model: model, optimizer: optimizer,
                              callbacks: [CheckpointCallback(directory: directory, metadata: ["test": "resume"], generator: generator)])
            train = try DataLoader(try TrainingFixtures.threeClasses(count: 300, seed: 21), batchSize: 32, seed: 3, device: device)
            validation = try DataLoader(try TrainingFixtures.threeClasses(count: 90, seed: 22), batchSize: 64, shuffle: false, device: device)
        }
    }

    /// Stops the trainer after `batches` batches of epoch `epoch`.
    final class StopMidEpoch: TrainingCallback {
        let epoch: Int, batches: Int
        init(epoch: Int, batches: Int) { self.epoch = epoch; self.batches = batches }
        func batchDidEnd(_ trainer: Trainer, epoch: Int, batch: Int, of batches: Int, totals: RunningTotals) throws {
            if epoch == self.epoch && batch == self.batches { trainer.stopRequested = true }
        }
    }

    static func expectSame(_ a: EpochMetrics, _ b: EpochMetrics, tolerance: Float) {
        #expect(a.epoch == b.epoch)
        #expect(abs(a.trainLoss - b.trainLoss) <= tolerance, "train loss \(a.trainLoss) vs \(b.trainLoss)")
        #expect(abs(a.trainAccuracy - b.trainAccuracy) <= tolerance, "train accuracy \(a.trainAccuracy) vs \(b.trainAccuracy)")
        #expect(abs(a.validationLoss! - b.validationLoss!) <= tolerance, "validation loss \(a.validationLoss!) vs \(b.validationLoss!)")
        #expect(abs(a.validationAccuracy! - b.validationAccuracy!) <= tolerance,
                "validation accuracy \(a.validationAccuracy!) vs \(b.validationAccuracy!)")
        #expect(a.learningRate == b.learningRate)
    }

    /// The tolerance for two runs of the same computation: bitwise on the CPU, reduction order may vary on OpenCL.
    static func tolerance(_ device: Device) -> Float { device == .cpu ? 0 : 1e-6 }

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
        let lastEpoch = try Checkpoint.resume(model: resumed.model, optimizer: resumed.optimizer, generator: resumed.generator, from: checkpoint)
        #expect(lastEpoch == 2)
        #expect(resumed.optimizer.stepCount == 3 * 10)
        let continued = try resumed.trainer.fit(resumed.train, validation: resumed.validation, epochs: 4, startEpoch: lastEpoch + 1)
        #expect(continued.count == 1)
        Self.expectSame(continued[0], reference[3], tolerance: Self.tolerance(device))
        let finalStraight = try TrainingFixtures.values(of: straight.model), finalResumed = try TrainingFixtures.values(of: resumed.model)
        for (name, values) in finalStraight {
            #expect(maxAbsDifference(values, finalResumed[name]!) <= (device == .cpu ? 0 : 1e-5), "\(name)")
        }
    }

    @Test(arguments: testDevices)
    func interruptionKeepsTheLastCompleteEpochAndResumesFromIt(device: Device) throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let straight = try Run(device: device, directory: directory.appendingPathComponent("straight"))
        let reference = try straight.trainer.fit(straight.train, validation: straight.validation, epochs: 3)

        let interrupted = try Run(device: device, directory: directory.appendingPathComponent("interrupted"))
        interrupted.trainer.callbacks.append(StopMidEpoch(epoch: 2, batches: 4))
        let history = try interrupted.trainer.fit(interrupted.train, validation: interrupted.validation, epochs: 3)
        #expect(history.count == 2)
        #expect(interrupted.trainer.step == 2 * 10 + 4)

        let last = directory.appendingPathComponent("interrupted/last.safetensors")
        #expect(FileManager.default.fileExists(atPath: Checkpoint.optimizerFile(for: last).path))
        let (saved, metadata) = try Safetensors.read(from: last)
        #expect(metadata["epoch"] == "1")
        let epoch2 = try Safetensors.read(from: directory.appendingPathComponent("interrupted/epoch-002.safetensors")).tensors
        for (name, tensor) in saved { #expect(try tensor.toArray() == epoch2[name]!.toArray(), "\(name)") }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("interrupted/epoch-003.safetensors").path))

        let resumed = try Run(device: device, directory: directory.appendingPathComponent("resumed"))
        let lastEpoch = try Checkpoint.resume(model: resumed.model, optimizer: resumed.optimizer, generator: resumed.generator, from: last)
        #expect(lastEpoch == 1)
        let continued = try resumed.trainer.fit(resumed.train, validation: resumed.validation, epochs: 3, startEpoch: lastEpoch + 1)
        #expect(continued.map(\.epoch) == [2])
        Self.expectSame(continued[0], reference[2], tolerance: Self.tolerance(device))
    }

    @Test func interruptionInTheFirstEpochSavesNothing() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try Run(device: .cpu, directory: directory)
        run.trainer.callbacks.append(StopMidEpoch(epoch: 0, batches: 2))
        #expect(try run.trainer.fit(run.train, validation: run.validation, epochs: 3).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func resumeNeedsTheOptimizerFile() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try Run(device: .cpu, directory: directory)
        let file = directory.appendingPathComponent("model.safetensors")
        try Checkpoint.save(model: run.model, epoch: 0, to: file)
        #expect(throws: FoveaError.badFile(path: Checkpoint.optimizerFile(for: file).path, reason: "no such file")) {
            try Checkpoint.resume(model: run.model, optimizer: run.optimizer, from: file)
        }
    }
}
