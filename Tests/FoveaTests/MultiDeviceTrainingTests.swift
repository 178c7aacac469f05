import ArgumentParser
import Foundation
import FoveaTestSupport
import Testing

@testable import Fovea
@testable import FoveaCLI

/// `fovea train --device opencl:0,opencl:1`: one replica per device in one process. The built `fovea` runs with
/// `POCL_DEVICES="pthread pthread"`, which makes PoCL offer two devices (the tests' own process has one), so N devices
/// with --batch-size B are checked against one device with N x B, and a run on two devices resumes exactly.
@Suite(.serialized, .enabled(if: PoCL.isInstalled, "needs PoCL (Scripts/install-deps.sh installs it)"))
struct MultiDeviceTrainingTests {
    /// Runs the built `fovea` with PoCL offering `devices` devices; its exit status and output.
    static func fovea(_ arguments: [String], devices: Int) throws -> (status: Int32, output: String) {
        let process = Process(), output = Pipe()
        process.executableURL = MPIJob.fovea
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["POCL_DEVICES": Array(repeating: "pthread", count: devices).joined(separator: " ")]) { _, new in new }
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func options(_ optimizer: String, batchSize: Int, devices: Int, out: URL) -> [String] {
        let names = (0..<devices).map { "opencl:\($0)" }.joined(separator: ",")
        return DistributedTrainingTests.options(optimizer, batchSize: batchSize, out: out).map { $0 == "cpu" ? names : $0 }
    }

    /// 107 training rows: global batches of 2 x 8 end with 11 samples (6/5), of 3 x 1 with 2 (1/1/0).
    @Test(arguments: [(2, 8, "sgd"), (2, 8, "adam"), (3, 1, "adam")])
    func devicesTakeTheStepsOfOneDeviceWithTheirWholeBatch(devices: Int, batchSize: Int, optimizer: String) throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let together = directory.appendingPathComponent("devices"), alone = directory.appendingPathComponent("alone")
        let run = try Self.fovea(
            Self.options(optimizer, batchSize: batchSize, devices: devices, out: together) + ["--epochs", "3"], devices: devices)
        #expect(run.status == 0, "\(run.output)")
        let single = try Self.fovea(
            Self.options(optimizer, batchSize: devices * batchSize, devices: 1, out: alone) + ["--epochs", "3"], devices: 1)
        #expect(single.status == 0, "\(single.output)")
        try DistributedTrainingTests.expectSameTraining(together, alone, tolerance: 2e-6)
        let configuration = try String(contentsOf: together.appendingPathComponent("config.json"), encoding: .utf8)
        #expect(configuration.contains("\"replicas\" : \"\(devices)\""))
        #expect(configuration.contains("\"device\" : \"\((0..<devices).map { "opencl:\($0)" }.joined(separator: ","))\""))
        // Replica 0 alone prints.
        #expect(run.output.components(separatedBy: "test accuracy").count == 2, "\(run.output)")
        #expect(run.output.contains("(one replica per device, batches of \(devices) x \(batchSize))"), "\(run.output)")
    }

    @Test func aRunOnTwoDevicesResumesAsIfItHadNotStopped() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let straight = directory.appendingPathComponent("straight"), split = directory.appendingPathComponent("split")
        let options = ["--lr-schedule", "none"]
        #expect(
            try Self.fovea(
                Self.options("adam", batchSize: 5, devices: 2, out: straight) + options + ["--epochs", "4"], devices: 2
            ).status == 0)
        #expect(
            try Self.fovea(Self.options("adam", batchSize: 5, devices: 2, out: split) + options + ["--epochs", "2"], devices: 2)
                .status == 0)
        // The devices come from the run's config.json.
        let resumed = try Self.fovea(["train", "--resume", split.path, "--epochs", "4"], devices: 2)
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(resumed.output.contains("resuming epoch 3 at batch 0/11"), "\(resumed.output)")
        try DistributedTrainingTests.expectSameTraining(straight, split, tolerance: 0)
    }

    /// In this process: the CPU and OpenCL device 0 as two replicas, the second failing at its second batch.
    @Test func aFailingReplicaEndsTheRunWithItsMessage() throws {
        final class FailOnSecondReplica: TrainingCallback {
            func batchDidEnd(_ trainer: Trainer, epoch: Int, batch: Int, of batches: Int, totals: RunningTotals) throws {
                if trainer.replicas?.rank == 1 && batch == 2 { throw FoveaError.invalidArgument("out of device memory (a test)") }
            }
        }
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let options =
            DistributedTrainingTests.options("sgd", batchSize: 4, out: directory.appendingPathComponent("run"))
            .map { $0 == "cpu" ? "cpu,opencl:0" : $0 } + ["--epochs", "1000"]
        let start = Date()
        #expect(throws: FoveaError.invalidArgument("replica 1 of 2 on opencl:0: out of device memory (a test)")) {
            try TrainingRun(options: TrainCommand.parse(Array(options.dropFirst())), callbacks: [FailOnSecondReplica()]).execute()
        }
        #expect(Date().timeIntervalSince(start) < 60)
    }

    @Test func devicesAreNotListedForAnMPIRank() throws {
        let rank = try InProcessReplicas.group(count: 1)[0]
        let options = DistributedTrainingTests.options(
            "sgd", batchSize: 4, out: FileManager.default.temporaryDirectory.appendingPathComponent("unused")
        )
        .map { $0 == "cpu" ? "cpu,opencl:0" : $0 }
        #expect(
            throws: FoveaError.invalidArgument(
                "--device cpu,opencl:0: one device per MPI rank (this is rank 0 of 1); name one device, "
                    + "or run without mpirun")
        ) {
            try TrainingRun(options: TrainCommand.parse(Array(options.dropFirst())), replicas: rank).execute()
        }
    }
}

/// PoCL, the CPU OpenCL driver, which `POCL_DEVICES` makes offer several devices.
enum PoCL {
    static var isInstalled: Bool {
        OpenCLRuntime.listDevices().devices.contains { $0.platformName.contains("Portable Computing Language") }
    }
}
