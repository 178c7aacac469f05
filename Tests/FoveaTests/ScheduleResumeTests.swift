import Foundation
import Fovea
import FoveaTestSupport
import Testing

@testable import FoveaCLI

/// Schedules stepped by the Trainer per batch, resumed exactly; the CLI's warm-up.
@Suite struct ScheduleResumeTests {
    /// A 1cycle schedule over the run's 30 batches, stepped after each.
    static func oneCycle(_ run: ResumeTests.Run) -> SchedulerCallback {
        SchedulerCallback(OneCycleLR(run.optimizer, maxLearningRate: 0.02, totalSteps: 30), interval: .batch)
    }

    @Test(arguments: testDevices)
    func aPerBatchScheduleResumesMidEpochAsIfNeverStopped(device: Device) throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let straight = try ResumeTests.Run(device: device, directory: directory.appendingPathComponent("straight"))
        straight.trainer.callbacks.append(Self.oneCycle(straight))
        let reference = try straight.trainer.fit(straight.train, validation: straight.validation, epochs: 3)
        let epochEnds: [Float] = reference.map(\.learningRate)
        #expect(Set(epochEnds).count == 3, "the rate follows the batches: \(epochEnds)")

        let interrupted = try ResumeTests.Run(device: device, directory: directory.appendingPathComponent("interrupted"))
        interrupted.trainer.callbacks += [Self.oneCycle(interrupted), ResumeTests.StopMidEpoch(epoch: 1, batches: 4)]
        try interrupted.trainer.fit(interrupted.train, validation: interrupted.validation, epochs: 3)
        let last = directory.appendingPathComponent("interrupted/last.safetensors")

        // A fresh process makes the schedule before restoring the checkpoint, then replays the 14 batches trained.
        let resumed = try ResumeTests.Run(device: device, directory: directory.appendingPathComponent("resumed"))
        let schedule = Self.oneCycle(resumed)
        resumed.trainer.callbacks.append(schedule)
        let position = try Checkpoint.resume(
            model: resumed.model, optimizer: resumed.optimizer, generator: resumed.generator, from: last)
        schedule.replay(to: position, batchesPerEpoch: resumed.train.count)
        #expect((schedule.scheduler as? OneCycleLR)?.epoch == 14)
        let continued = try resumed.trainer.fit(resumed.train, validation: resumed.validation, epochs: 3, from: position)
        for (a, b) in zip(continued, reference[1...]) { ResumeTests.expectSame(a, b, tolerance: ResumeTests.tolerance(device)) }
        try ResumeTests.expectSameWeights(straight.model, resumed.model, device: device)
    }

    @Test func warmupEpochsRiseToTheRateThenTheScheduleRunsOverTheRest() throws {
        let optimizer = SGD([Parameter(try Tensor([0]))], learningRate: 0.3)
        let settings = try TrainingSettings(given: TrainCommand.parse(["--warmup-epochs", "2", "--lr-schedule", "cosine"]).given)
        let schedule = try #require(TrainingRun.makeScheduler(settings, epochs: 6, optimizer: optimizer))
        var rates = [optimizer.learningRate]
        for _ in 0..<6 { schedule.step(); rates.append(optimizer.learningRate) }
        #expect(allClose(rates, [0.1, 0.2, 0.3, 0.25606602, 0.15, 0.04393398, 0], atol: 1e-6), "\(rates)")
        let plateau = try TrainCommand.parse([
            "--warmup-epochs", "1", "--lr-schedule", "plateau", "--model", "mlp", "--data", "csv:\(irisCSV.path)",
            "--out", FileManager.default.temporaryDirectory.appendingPathComponent("fovea-plateau-\(UUID())").path,
        ])
        #expect(
            throws: FoveaError.invalidArgument(
                "--warmup-epochs 1: must be below the 200 epochs, and not used with --lr-schedule plateau")
        ) {
            try TrainingRun(options: plateau).execute()
        }
    }
}
