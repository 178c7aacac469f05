import Foundation
import Fovea
import FoveaTestSupport
import Testing

/// `mpirun -n N fovea train`: N ranks with --batch-size B take the steps of one process with --batch-size N x B, a
/// distributed run resumes, and a rank that fails, dies or stalls ends the whole job with a message.
@Suite(.serialized, .enabled(if: MPIJob.isAvailable, "mpirun is not installed (Scripts/install-deps.sh installs Open MPI)"))
struct DistributedTrainingTests {
    /// An MLP on iris without dropout (whose masks would differ between a rank's share and the whole batch); 0.11 of
    /// the 120 training rows held out leaves 107, so global batches of 3 x 1 end with 2 samples and of 3 x 4 with 11.
    static func options(_ optimizer: String, batchSize: Int, out: URL) -> [String] {
        [
            "train", "--model", "mlp", "--data", "csv:\(irisCSV.path)", "--hidden", "16", "--dropout", "0", "--device", "cpu",
            "--optimizer", optimizer, "--val-split", "0.11", "--batch-size", String(batchSize), "--out", out.path,
        ]
    }

    /// Each epoch's metrics and the test result of a run folder, by name.
    static func metrics(_ run: URL) throws -> [[String: Double]] {
        try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }.map { $0.compactMapValues { $0 as? Double } }
    }

    /// The same metrics (timings aside) and final weights, to `tolerance`.
    static func expectSameTraining(_ a: URL, _ b: URL, tolerance: Float, sourceLocation: SourceLocation = #_sourceLocation) throws
    {
        let first = try metrics(a), second = try metrics(b)
        #expect(first.count == second.count, sourceLocation: sourceLocation)
        for (x, y) in zip(first, second) {
            for key in x.keys where !["seconds", "imagesPerSecond"].contains(key) {
                #expect(
                    abs(x[key]! - (y[key] ?? .nan)) <= Double(tolerance), "\(key): \(x[key]!) vs \(y[key] ?? .nan)",
                    sourceLocation: sourceLocation)
            }
        }
        let weights = try Safetensors.read(from: a.appendingPathComponent("checkpoints/last.safetensors")).tensors
        let others = try Safetensors.read(from: b.appendingPathComponent("checkpoints/last.safetensors")).tensors
        #expect(weights.keys.sorted() == others.keys.sorted(), sourceLocation: sourceLocation)
        for (name, tensor) in weights {
            let difference = maxAbsDifference(try tensor.toArray(), try others[name]!.toArray())
            #expect(difference <= tolerance, "\(name) differs by \(difference)", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: [(2, 8, "sgd"), (2, 8, "adam"), (3, 1, "adam"), (3, 4, "sgd")])
    func ranksTakeTheStepsOfOneProcessWithTheirWholeBatch(ranks: Int, batchSize: Int, optimizer: String) throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let together = directory.appendingPathComponent("ranks"), alone = directory.appendingPathComponent("alone")
        let job = try MPIJob.run(ranks: ranks, Self.options(optimizer, batchSize: batchSize, out: together) + ["--epochs", "3"])
        #expect(job.status == 0, "\(job.output)")
        try CommandLineTests.fovea(Self.options(optimizer, batchSize: ranks * batchSize, out: alone) + ["--epochs", "3"])
        try Self.expectSameTraining(together, alone, tolerance: 2e-6)
        let configuration = try String(contentsOf: together.appendingPathComponent("config.json"), encoding: .utf8)
        #expect(configuration.contains("\"replicas\" : \"\(ranks)\""))
        // Rank 0 alone prints.
        #expect(job.output.components(separatedBy: "test accuracy").count == 2, "\(job.output)")
    }

    @Test func aDistributedRunResumesAsIfItHadNotStopped() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let straight = directory.appendingPathComponent("straight"), split = directory.appendingPathComponent("split")
        let options = ["--lr-schedule", "none"]
        #expect(
            try MPIJob.run(ranks: 2, Self.options("adam", batchSize: 5, out: straight) + options + ["--epochs", "4"]).status == 0)
        #expect(
            try MPIJob.run(ranks: 2, Self.options("adam", batchSize: 5, out: split) + options + ["--epochs", "2"]).status == 0)
        let resumed = try MPIJob.run(ranks: 2, ["train", "--resume", split.path, "--epochs", "4"])
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(resumed.output.contains("resuming epoch 3 at batch 0/11"), "\(resumed.output)")
        try Self.expectSameTraining(straight, split, tolerance: 0)
    }

    /// Starts a long run on 2 ranks and waits until it has finished two epochs.
    static func startLongRun(in directory: URL, _ extra: [String] = []) throws -> MPIJob {
        let run = directory.appendingPathComponent("long")
        let job = try MPIJob(ranks: 2, options("sgd", batchSize: 4, out: run) + ["--epochs", "100000"] + extra)
        let second = run.appendingPathComponent("checkpoints/epoch-002.safetensors")
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: second.path) && job.process.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        return job
    }

    /// SIGTERM to every rank (a scheduler ending the job; `mpirun` sends it after Ctrl-C): the ranks agree on the step
    /// to stop after, rank 0 saves the batch reached, MPI shuts down normally, and `--resume` goes on from that batch.
    @Test func sigtermToEveryRankSavesTheBatchReached() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let job = try Self.startLongRun(in: directory)
        for rank in 0..<2 { kill(try #require(try job.pid(ofRank: rank)), SIGTERM) }
        let stopped = try job.wait(timeout: 60)
        #expect(stopped.status != 0)
        #expect(!stopped.output.contains("MPI_ABORT"), "\(stopped.output)")
        let stop = try #require(StopSignalTests.interruption(in: stopped.output), "\(stopped.output)")
        let run = directory.appendingPathComponent("long")
        let resumed = try MPIJob.run(ranks: 2, ["train", "--resume", run.path, "--epochs", String(stop.epoch)])
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(resumed.output.contains("resuming epoch \(stop.epoch) at batch \(stop.batch)"), "\(resumed.output)")
    }

    @Test func aKilledRankEndsTheJob() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let job = try Self.startLongRun(in: directory)
        let rank = try #require(try job.pid(ofRank: 1))
        kill(rank, SIGKILL)
        let start = Date()
        let result = try job.wait(timeout: 60)
        #expect(result.status != 0)
        #expect(result.output.contains("rank 1") && result.output.contains("signal 9"), "\(result.output)")
        #expect(Date().timeIntervalSince(start) < 30)
    }

    @Test func aStalledRankEndsTheJobAfterTheCollectiveTimeout() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let job = try Self.startLongRun(in: directory, ["--collective-timeout", "5"])
        let rank = try #require(try job.pid(ofRank: 1))
        kill(rank, SIGSTOP)
        let start = Date()
        let result = try job.wait(timeout: 60)
        #expect(result.status != 0)
        #expect(
            result.output.contains("fovea: rank 0 of 2: MPI ")
                && result.output.contains(" has not completed in 5 s: another rank has stopped or hangs"),
            "\(result.output)")
        #expect(Date().timeIntervalSince(start) < 30)
    }

    @Test func aFailingRankAbortsTheJobWithItsMessage() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = directory.appendingPathComponent("run")
        let good = Self.options("sgd", batchSize: 4, out: run) + ["--epochs", "2"]
        let missing = directory.appendingPathComponent("missing.csv").path
        let bad = good.map { $0 == "csv:\(irisCSV.path)" ? "csv:\(missing)" : $0 }
        let start = Date()
        let result = try MPIJob.run(ranks: 2, [], programs: [good, bad])
        #expect(result.status != 0)
        #expect(result.output.contains("fovea train: rank 1 of 2: Error: \(missing)"), "\(result.output)")
        #expect(Date().timeIntervalSince(start) < 60)
    }
}
