import Foundation
import Fovea
import Testing

@testable import FoveaCLI

/// `fovea train --tensorboard`: the option alone, with a folder, and on resume.
@Suite struct TensorBoardCommandTests {
    /// Every event file in `directory`, read with SummaryWriterTests' independent reader: each tag with its steps.
    static func tags(in directory: URL) throws -> [String: [Int]] {
        var tags: [String: [Int]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        where name.hasPrefix("events.out.tfevents.") {
            let events = SummaryWriterTests.records(try Data(contentsOf: directory.appendingPathComponent(name))).map(
                SummaryWriterTests.describe)
            #expect(events.first?.fileVersion == "brain.Event:2")
            for event in events { for tag in event.tags { tags[tag, default: []].append(event.step) } }
        }
        return tags
    }

    @Test func theOptionAloneMeansTheRunFoldersTB() throws {
        #expect(try TrainCommand.parse(["--tensorboard", "--epochs", "2"]).tensorboard == TrainingSettings.runTensorBoard)
        #expect(try TrainCommand.parse(["--tensorboard", "logs", "--epochs", "2"]).tensorboard == "logs")
        #expect(try TrainCommand.parse(["--epochs", "2"]).tensorboard == nil)
        #expect(CommandLineTests.failure(["train", "--tensorboard", " "]) == "--tensorboard  : must name a folder")
    }

    @Test func aFolderThatCannotBeMadeStopsBeforeTheRunFolder() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("file")
        try Data("x".utf8).write(to: file)
        let run = directory.appendingPathComponent("run")
        let message = CommandLineTests.failure([
            "train", "--model", "mlp", "--data", "csv:\(CommandLineTests.iris)", "--device", "cpu",
            "--tensorboard", file.appendingPathComponent("tb").path, "--out", run.path,
        ])
        #expect(message?.hasPrefix(file.appendingPathComponent("tb/events.out.tfevents.").path) == true, "\(message ?? "")")
        #expect(message?.hasSuffix(": cannot create the TensorBoard event file: \(file.path) is a file, not a folder") == true)
        #expect(!FileManager.default.fileExists(atPath: run.path))
    }

    @Test func aSeriesRunLogsItsLossCurvesAndTheForecastNextToTheNaiveOne() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = directory.appendingPathComponent("co2")
        // co2's first 327 values make 315 training windows of 12: 10 batches of 32 an epoch, so the scalars come every other step.
        try CommandLineTests.fovea([
            "train", "--model", "lstm", "--data", "series:\(SeriesCommandTests.co2):ppm", "--window", "12", "--hidden", "4",
            "--epochs", "2", "--device", "cpu", "--tensorboard", "--out", run.path,
        ])
        let tags = try Self.tags(in: run.appendingPathComponent("tb"))
        #expect(tags["train/loss"] == Array(stride(from: 2, through: 20, by: 2)))
        #expect(
            tags["epoch/train_loss"] == [1, 2] && tags["epoch/validation_loss"] == [1, 2]
                && tags["parameters/rnn.weight_hh_l0"] == [1, 2])
        for tag in ["test/loss", "test/rmse", "test/mae", "test/naive_rmse", "test/naive_mae"] {
            #expect(tags[tag] == [2], "\(tag)")
        }
        // A regression has no accuracy, and no images to show.
        #expect(
            tags.keys.filter { $0.contains("accuracy") || $0 == "inputs" || $0.hasPrefix("validation/") }.isEmpty,
            "\(tags.keys.sorted())")
    }

    @Test func trainWritesEventFilesAndResumeAddsOne() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = directory.appendingPathComponent("iris")
        // 108 training rows: 4 batches of 32 an epoch, so the training scalars come every step.
        let options = [
            "--model", "mlp", "--data", "csv:\(CommandLineTests.iris)", "--hidden", "8", "--device", "cpu", "--out", run.path,
        ]
        try CommandLineTests.fovea(["train", "--epochs", "2", "--tensorboard"] + options)
        let config = try JSONDecoder().decode(
            [String: String].self, from: Data(contentsOf: run.appendingPathComponent("config.json")))
        #expect(config["tensorboard"] == "<run>/tb")
        var tags = try Self.tags(in: run.appendingPathComponent("tb"))
        #expect(tags["train/loss"] == Array(1...8))
        #expect(tags["epoch/validation_accuracy"] == [1, 2] && tags["parameters/1.weight"] == [1, 2])
        #expect(tags["test/accuracy"] == [2] && tags["configuration"] == [0])

        // The resumed run keeps writing there (from config.json), in a second file, from step 9 on.
        try CommandLineTests.fovea(["train", "--epochs", "3", "--resume", run.path] + options)
        tags = try Self.tags(in: run.appendingPathComponent("tb"))
        #expect(tags["train/loss"] == Array(1...12))
        #expect(tags["epoch/train_loss"] == [1, 2, 3] && tags["test/accuracy"] == [2, 3])
        #expect(try FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent("tb").path).count == 2)

        let logs = directory.appendingPathComponent("logs")
        try CommandLineTests.fovea(["train", "--epochs", "1", "--tensorboard", logs.path, "--overwrite"] + options)
        #expect(!FileManager.default.fileExists(atPath: run.appendingPathComponent("tb").path))
        #expect(try Self.tags(in: logs)["epoch/train_loss"] == [1])
    }
}
