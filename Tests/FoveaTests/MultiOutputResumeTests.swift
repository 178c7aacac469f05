import Foundation
import Fovea
import FoveaTestSupport
import Testing

/// A functional model of two inputs and two outputs, interrupted mid-epoch and resumed from its checkpoint, trains as
/// if it had never stopped: weights, optimizer, dropout's generator and each output's partial sums come back.
@Suite struct MultiOutputResumeTests {
    /// The two-headed model with dropout and Adam on 200 samples (7 batches, the last of 8), with a checkpoint folder.
    static func run(device: Device, directory: URL) throws
        -> (generator: Generator, model: GraphModel, optimizer: Adam, trainer: Trainer, train: DataLoader, validation: DataLoader)
    {
        let generator = Generator(seed: 11)
        let model = try MultiOutputFixtures.model(seed: 2, dropout: generator).to(device)
        let optimizer = Adam(model.parameters, learningRate: 0.01)
        let trainer = try MultiOutputFixtures.trainer(
            model, optimizer: optimizer,
            callbacks: [CheckpointCallback(directory: directory, generator: generator)])
        return (
            generator, model, optimizer, trainer,
            try DataLoader(try MultiOutputFixtures.data(count: 200, seed: 5), batchSize: 32, seed: 3, device: device),
            try DataLoader(try MultiOutputFixtures.data(count: 64, seed: 9), batchSize: 64, shuffle: false, device: device)
        )
    }

    static func expectSame(_ a: [OutputMetrics]?, _ b: [OutputMetrics]?, tolerance: Float) {
        guard let a, let b, a.count == b.count else {
            Issue.record("per-output metrics \(String(describing: a)) vs \(String(describing: b))"); return
        }
        for (x, y) in zip(a, b) {
            #expect(
                abs(x.loss - y.loss) <= tolerance && abs((x.accuracy ?? -1) - (y.accuracy ?? -1)) <= tolerance, "\(a) vs \(b)")
        }
    }

    @Test(arguments: testDevices)
    func interruptedAndResumedMatchesTheUninterruptedRun(device: Device) throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let tolerance = ResumeTests.tolerance(device)
        let straight = try Self.run(device: device, directory: directory.appendingPathComponent("straight"))
        let reference = try straight.trainer.fit(straight.train, validation: straight.validation, epochs: 2)

        let interrupted = try Self.run(device: device, directory: directory.appendingPathComponent("interrupted"))
        interrupted.trainer.callbacks.append(ResumeTests.StopMidEpoch(epoch: 1, batches: 3))
        try interrupted.trainer.fit(interrupted.train, validation: interrupted.validation, epochs: 2)
        let position = try #require(interrupted.trainer.interruption)
        #expect(position.epoch == 1 && position.batch == 3 && position.samples == 96)
        #expect(position.outputLossSums.count == 2 && position.outputCorrect.count == 2)
        #expect(position.outputCorrect[1] == 0, "the regression output counts no correct predictions")

        let resumed = try Self.run(device: device, directory: directory.appendingPathComponent("resumed"))
        resumed.generator.manualSeed(999)
        let last = directory.appendingPathComponent("interrupted/last.safetensors")
        let restored = try Checkpoint.resume(
            model: resumed.model, optimizer: resumed.optimizer, generator: resumed.generator, from: last)
        #expect(restored == position, "the per-output partial sums round-trip exactly")
        let continued = try resumed.trainer.fit(resumed.train, validation: resumed.validation, epochs: 2, from: restored)
        #expect(continued.count == 1)
        #expect(
            abs(continued[0].trainLoss - reference[1].trainLoss) <= tolerance,
            "\(continued[0].trainLoss) vs \(reference[1].trainLoss)")
        Self.expectSame(continued[0].trainOutputs, reference[1].trainOutputs, tolerance: tolerance)
        Self.expectSame(continued[0].validationOutputs, reference[1].validationOutputs, tolerance: tolerance)
        try ResumeTests.expectSameWeights(straight.model, resumed.model, device: device)
    }

    /// Each per-output partial sum read from a checkpoint is checked: a correct count that is not a number, or more
    /// than the samples, or lists of two lengths, make a one-line error naming the file.
    @Test func malformedPerOutputSumsAreRefused() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try Self.run(device: .cpu, directory: directory)
        let file = directory.appendingPathComponent("mid.safetensors")
        let position = TrainingPosition(
            epoch: 0, batch: 1, lossSum: 30, correct: 0, samples: 32, outputLossSums: [20, 4], outputCorrect: [11, 0])
        try Checkpoint.save(model: run.model, optimizer: run.optimizer, position: position, to: file)
        #expect(
            try Checkpoint.resume(model: run.model, optimizer: run.optimizer, generator: run.generator, from: file) == position)
        let optimizerFile = Checkpoint.optimizerFile(for: file)
        let (tensors, metadata) = try Safetensors.read(from: optimizerFile)
        for (key, value) in [
            ("partial_output_correct", "11,x"), ("partial_output_correct", "11,33"), ("partial_output_loss_sums", "20"),
        ] {
            try Safetensors.write(tensors, metadata: metadata.merging([key: value]) { _, new in new }, to: optimizerFile)
            let error = #expect(throws: FoveaError.self) {
                try Checkpoint.resume(model: run.model, optimizer: run.optimizer, generator: run.generator, from: file)
            }
            #expect("\(error!)".contains("\(optimizerFile.path): malformed per-output training position"), "\(error!)")
        }
    }

    @Test func aPositionOfAnotherNumberOfOutputsIsRefused() throws {
        let run = try Self.run(device: .cpu, directory: try TrainingFixtures.temporaryDirectory())
        defer {
            try? FileManager.default.removeItem(at: run.trainer.callbacks.compactMap { $0 as? CheckpointCallback }[0].directory)
        }
        let singleOutput = TrainingPosition(epoch: 0, batch: 1, lossSum: 3, correct: 2, samples: 32)
        let error = #expect(throws: FoveaError.self) { try run.trainer.fit(run.train, epochs: 1, from: singleOutput) }
        #expect("\(error!)".contains("partial sums of 0 outputs, the model has 2"), "\(error!)")
    }
}
