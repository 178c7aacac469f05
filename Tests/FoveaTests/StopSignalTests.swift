import Foundation
import FoveaTestSupport
import Testing

/// SIGTERM (what `kill`, `timeout`, job schedulers and container runtimes send) stops `fovea train` as Ctrl-C does: the
/// step finishes, `last.safetensors` is saved at the batch reached, the process exits with 143, and `--resume` goes on
/// from that batch.
@Suite struct StopSignalTests {
    /// The epoch and "batch/batches" of "interrupted at epoch E, batch B/N" in `output`.
    static func interruption(in output: String) -> (epoch: Int, batch: String)? {
        guard let range = output.range(of: #"interrupted at epoch \d+, batch \d+/\d+"#, options: .regularExpression)
        else { return nil }
        let words = output[range].split(separator: " ")
        return (Int(words[3].dropLast())!, String(words[5]))
    }

    /// Waits until `run` has saved its second epoch (or the job ended).
    static func waitForTwoEpochs(_ job: MPIJob, run: URL) {
        let second = run.appendingPathComponent("checkpoints/epoch-002.safetensors")
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: second.path) && job.process.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    @Test func sigtermSavesTheBatchReachedAndResumeGoesOnFromIt() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = directory.appendingPathComponent("run")
        let job = try MPIJob(
            alone: DistributedTrainingTests.options("sgd", batchSize: 4, out: run) + ["--epochs", "100000"])
        Self.waitForTwoEpochs(job, run: run)
        kill(job.process.processIdentifier, SIGTERM)
        let stopped = try job.wait(timeout: 60)
        #expect(stopped.status == 143, "\(stopped.output)")
        #expect(stopped.output.contains("SIGTERM: finishing this step and saving a checkpoint"), "\(stopped.output)")
        let stop = try #require(Self.interruption(in: stopped.output), "\(stopped.output)")
        #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent("checkpoints/last.safetensors").path))

        let resumed = try MPIJob(alone: ["train", "--resume", run.path, "--epochs", String(stop.epoch)]).wait(timeout: 120)
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(resumed.output.contains("resuming epoch \(stop.epoch) at batch \(stop.batch)"), "\(resumed.output)")
    }
}
