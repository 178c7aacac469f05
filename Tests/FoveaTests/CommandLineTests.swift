import ArgumentParser
import Foundation
import Fovea
import FoveaTestSupport
import Testing

@testable import FoveaCLI

/// The `fovea` subcommands, run in this process through ArgumentParser exactly as `main` runs them
/// (`swift test` does not build the `fovea` executable, so the tests cannot count on running it).
/// A failure must be one line naming the file or option and what is wrong, with exit status 1, and leave no run folder.
@Suite struct CommandLineTests {
    static let iris = irisCSV.path
    static let fashionMNIST = "/usr/share/datasets/fashion-mnist"

    /// Parses and runs `arguments` as `fovea` would.
    static func fovea(_ arguments: [String]) throws {
        var command = try FoveaCommand.parseAsRoot(arguments)
        try command.run()
    }

    /// The one-line message `fovea` prints for the failure of `arguments`, after checking the exit status.
    static func failure(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        do {
            try fovea(arguments)
            Issue.record("fovea \(arguments.joined(separator: " ")) succeeded", sourceLocation: sourceLocation)
            return nil
        } catch {
            #expect(FoveaCommand.exitCode(for: error) == .failure, sourceLocation: sourceLocation)
            let message = FoveaCommand.fullMessage(for: error)
            #expect(!message.contains("\n"), "one line: \(message)", sourceLocation: sourceLocation)
            #expect(message.hasPrefix("Error: "), sourceLocation: sourceLocation)
            return String(message.dropFirst("Error: ".count))
        }
    }

    /// A LeNet-5 checkpoint as `fovea train` writes it (random weights), with the given model in its metadata.
    static func lenetCheckpoint(in directory: URL, weightsOf model: Module? = nil) throws -> String {
        let spec = ModelSpec(
            name: "lenet5", inputShape: [1, 28, 28], classes: 10, hidden: [256], classic: false, dropout: nil,
            data: "fashion-mnist", classNames: (0..<10).map { "class \($0)" },
            normalization: Normalize(mean: [0.5], standardDeviation: [0.25]))
        let url = directory.appendingPathComponent("lenet.safetensors")
        try Checkpoint.save(model: model ?? spec.build(), epoch: 0, metadata: spec.metadata, to: url)
        return url.path
    }

    /// A binary PGM image.
    static func pgm(width: Int, height: Int, in directory: URL, name: String = "image.pgm") throws -> String {
        var data = Data("P5\n\(width) \(height)\n255\n".utf8)
        data.append(contentsOf: (0..<width * height).map { UInt8($0 % 256) })
        let url = directory.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }

    @Test func trainRefusesBadDataWithOneLineAndNoRunFolder() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("run").path
        func expectNoRun() { #expect(!FileManager.default.fileExists(atPath: out)) }

        #expect(
            Self.failure(["train", "--data-dir", "/no/such/dir", "--out", out])
                == "/no/such/dir: no such directory: the fashion-mnist files are looked for there")
        expectNoRun()

        // An images file with a label file's magic number, then one cut short.
        let idx = directory.appendingPathComponent("idx")
        try FileManager.default.createDirectory(at: idx, withIntermediateDirectories: true)
        let images = idx.appendingPathComponent("train-images-idx3-ubyte")
        try FileManager.default.copyItem(
            atPath: "\(Self.fashionMNIST)/train-labels-idx1-ubyte.gz",
            toPath: idx.appendingPathComponent("train-labels-idx1-ubyte.gz").path)
        try Data([0, 0, 8, 1, 0, 0, 0, 5]).write(to: images)
        #expect(
            Self.failure(["train", "--data-dir", idx.path, "--out", out])
                == "\(images.path): expected magic 0x00000803 for an IDX image file, found 0x00000801")
        try Data([0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 28, 0, 0, 0, 28] + [UInt8](repeating: 7, count: 100)).write(to: images)
        let truncated = Self.failure(["train", "--data-dir", idx.path, "--out", out])
        #expect(truncated?.hasPrefix("\(images.path): ") == true && truncated?.contains("3920") == true, "\(truncated ?? "")")
        expectNoRun()

        #expect(
            Self.failure(["train", "--data", "csv:\(directory.path)/none.csv", "--model", "mlp", "--out", out])
                == "\(directory.path)/none.csv: no such file")
        #expect(
            Self.failure(["train", "--data", "imagenet", "--out", out])
                == "--data imagenet: use fashion-mnist, mnist, cifar10, cifar100, csv:PATH, folder:DIR, series:PATH:COLUMN, text:PATH or chars:PATH"
        )
        expectNoRun()
    }

    @Test func trainRefusesBadOptionsBeforeLoadingData() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("run").path
        #expect(
            Self.failure(["train", "--model", "lenet5", "--data", "csv:\(Self.iris)", "--out", out])
                == "--model lenet5 needs images [channels, height, width], but csv:\(Self.iris) has samples of shape [4]: use --model mlp for tabular data"
        )
        #expect(
            Self.failure(["train", "--model", "vgg16", "--data-dir", "/missing", "--out", out])
                == "--model vgg16: choose one of mlp, lenet5, cnn-cifar, resnet-small, resnet18, vgg11, lstm, gru, rnn, lstm-text, gru-text, char-lstm"
        )
        #expect(
            Self.failure(["train", "--device", "tpu", "--out", out])
                == "unknown device 'tpu': use cpu, gpu, opencl, opencl:N or auto")
        #expect(Self.failure(["train", "--device", "opencl:99", "--out", out])?.hasPrefix("no OpenCL device 99") == true)
        #expect(
            Self.failure(["train", "--optimizer", "adamax", "--out", out])
                == "--optimizer adamax: use sgd, adam, adamw, rmsprop, adagrad")
        #expect(Self.failure(["train", "--batch-size", "0", "--out", out]) == "--batch-size 0: must be positive")
        #expect(Self.failure(["train", "--val-split", "1", "--out", out]) == "--val-split 1.0: must be in [0, 1)")
        #expect(
            Self.failure(["train", "--hidden", "16,x", "--model", "mlp", "--out", out])
                == "--hidden 16,x: expected positive sizes separated by commas, e.g. 256,128")
        #expect(
            Self.failure(["train", "--resume", directory.appendingPathComponent("nothing").path, "--out", out])
                == "\(directory.appendingPathComponent("nothing").path): no such checkpoint or run folder")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func evaluateAndPredictRefuseBadCheckpoints() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let image = try Self.pgm(width: 28, height: 28, in: directory)

        // A checkpoint whose metadata says LeNet-5 but whose weights are another network's.
        let doctored = try Self.lenetCheckpoint(
            in: directory, weightsOf: try Models.mlp(inputFeatures: 784, hidden: [128], classes: 10))
        for arguments in [["evaluate", "--checkpoint", doctored], ["predict", "--checkpoint", doctored, "--input", image]] {
            let message = Self.failure(arguments + ["--device", "cpu"])
            #expect(
                message?.hasPrefix("\(doctored): does not fit this model: state dict has no entry for ") == true,
                "\(message ?? "")")
            #expect(message?.contains("'0.bias'") == true)
        }

        let malformed = directory.appendingPathComponent("malformed.safetensors")
        try Data([11, 0, 0, 0, 0, 0, 0, 0] + Array("{\"a\": [1, 2".utf8)).write(to: malformed)
        let headerError = "\(malformed.path): the header is not a JSON object"
        #expect(Self.failure(["evaluate", "--checkpoint", malformed.path]) == headerError)
        #expect(Self.failure(["predict", "--checkpoint", malformed.path, "--input", image]) == headerError)

        let pytorch = PyTorchInteropTests.fixtures.appendingPathComponent("lenet5_torch.safetensors").path
        #expect(
            Self.failure(["evaluate", "--checkpoint", pytorch])
                == "\(pytorch): a plain state dict (no Fovea metadata) needs --model and --data")
        let missing = directory.appendingPathComponent("missing.safetensors").path
        #expect(Self.failure(["predict", "--checkpoint", missing, "--input", image]) == "\(missing): no such file")

        let lenet = try Self.lenetCheckpoint(in: directory)
        #expect(
            Self.failure(["evaluate", "--checkpoint", lenet, "--data", "csv:\(Self.iris)"])
                == "csv:\(Self.iris) samples are [4] but \(lenet) expects [1, 28, 28]")
    }

    @Test func predictRefusesBadImages() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let lenet = try Self.lenetCheckpoint(in: directory)
        func predict(_ input: String) -> String? {
            Self.failure(["predict", "--checkpoint", lenet, "--input", input, "--device", "cpu"])
        }

        let small = try Self.pgm(width: 20, height: 28, in: directory, name: "small.pgm")
        let gif = directory.appendingPathComponent("photo.gif")
        try Data("GIF89a....".utf8).write(to: gif)
        #expect(predict(gif.path) == "\(gif.path): not a PNG, JPEG, PGM or PPM image (it starts with bytes 47 49 46 38)")
        let jpeg = directory.appendingPathComponent("cut.jpg")
        try Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 16]).write(to: jpeg)
        let cutJPEG = predict(jpeg.path)
        #expect(cutJPEG?.hasPrefix("\(jpeg.path): corrupt or truncated") == true, "\(cutJPEG ?? "")")
        let cut = directory.appendingPathComponent("cut.pgm")
        try (Data("P5\n28 28\n255\n".utf8) + Data(count: 100)).write(to: cut)
        #expect(
            predict(cut.path) == "\(cut.path): truncated: a 28x28 image with 1 channel needs 784 bytes of samples, 100 present")
        let header = directory.appendingPathComponent("header.pgm")
        try Data("P2\n28 -3\n255\n".utf8).write(to: header)
        #expect(predict(header.path) == "\(header.path): malformed width, height or maximum value")
        #expect(
            predict(directory.appendingPathComponent("none.pgm").path)
                == "\(directory.appendingPathComponent("none.pgm").path): no such file")
        #expect(
            predict("idx:\(Self.fashionMNIST)/t10k-images-idx3-ubyte.gz:10000")
                == "\(Self.fashionMNIST)/t10k-images-idx3-ubyte.gz: holds 10000 images; index 10000 is out of range")
        #expect(
            predict("idx:\(Self.fashionMNIST)/t10k-labels-idx1-ubyte.gz:0")
                == "\(Self.fashionMNIST)/t10k-labels-idx1-ubyte.gz: expected magic 0x00000803 for an IDX image file, found 0x00000801"
        )
        #expect(predict("idx:nowhere") == "--input idx:nowhere: use idx:FILE:INDEX")
        #expect(Self.failure(["predict", "--checkpoint", lenet, "--input", small, "--top", "0"]) == "--top 0: must be positive")
    }

    @Test func predictAndSummaryRun() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let lenet = try Self.lenetCheckpoint(in: directory)
        try Self.fovea([
            "predict", "--checkpoint", lenet, "--input", try Self.pgm(width: 28, height: 28, in: directory), "--device", "cpu",
        ])
        try Self.fovea([
            "predict", "--checkpoint", lenet, "--input", "idx:\(Self.fashionMNIST)/t10k-images-idx3-ubyte.gz:3", "--device",
            "cpu",
        ])
        // Any size and colour: a 16x12 RGB JPEG is converted to grayscale and resized to 28x28.
        let photo = repositoryRoot.appendingPathComponent("Tests/FoveaDataTests/Fixtures/images/rgb.jpg").path
        try Self.fovea(["predict", "--checkpoint", lenet, "--input", photo, "--device", "cpu"])
        try Self.fovea(["summary", "--model", "mlp", "--input-shape", "4", "--classes", "3", "--hidden", "16"])
        #expect(Self.failure(["summary", "--input-shape", "1,x"]) == "--input-shape '1,x': expected positive sizes like 1,28,28")
    }

    /// Reads a run folder's metrics.jsonl: the epochs and the final test line.
    static func metrics(_ run: URL) throws -> (epochs: [EpochMetrics], test: [String: Float]?) {
        let lines = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        let epochs = lines.compactMap { try? JSONDecoder().decode(EpochMetrics.self, from: Data($0.utf8)) }
        let test = lines.last.flatMap { try? JSONDecoder().decode([String: Float].self, from: Data($0.utf8)) }
        return (epochs, test)
    }

    @Test func trainOnIrisWritesARunFolderAndResumes() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = directory.appendingPathComponent("iris")
        let options = [
            "--model", "mlp", "--data", "csv:\(Self.iris)", "--hidden", "16", "--lr", "0.01", "--device", "cpu", "--out",
            run.path,
        ]
        try Self.fovea(["train", "--epochs", "2"] + options)
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent("checkpoints").path)
            .sorted()
        #expect(
            checkpoints == [
                "epoch-001.optim.safetensors", "epoch-001.safetensors", "epoch-002.optim.safetensors", "epoch-002.safetensors",
                "last.optim.safetensors", "last.safetensors",
            ])
        #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent("curves.svg").path))
        let config = try JSONDecoder().decode(
            [String: String].self, from: Data(contentsOf: run.appendingPathComponent("config.json")))
        #expect(config["model"] == "mlp" && config["input_shape"] == "4" && config["classes"] == "3")
        #expect(try Self.metrics(run).epochs.map(\.epoch) == [0, 1])

        try Self.fovea(["train", "--epochs", "4", "--resume", run.path] + options)
        let (epochs, test) = try Self.metrics(run)
        #expect(epochs.map(\.epoch) == [0, 1, 2, 3])
        #expect(test?["test_accuracy"] != nil)
        try Self.fovea([
            "evaluate", "--checkpoint", run.appendingPathComponent("checkpoints/last.safetensors").path, "--device", "cpu",
        ])
    }

    /// `fovea train` stopped as Ctrl-C stops it (after batch 3 of epoch 2 of 3) exits with status 130 and saves the
    /// position; `--resume` trains from the next batch, with the learning-rate schedule where it was.
    @Test func interruptedTrainingSavesItsBatchAndResumesFromIt() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = directory.appendingPathComponent("iris")
        // 108 training rows in 7 batches of 16.
        let options = [
            "--model", "mlp", "--data", "csv:\(Self.iris)", "--hidden", "16", "--lr", "0.01", "--batch-size", "16",
            "--epochs", "3", "--device", "cpu", "--out", run.path,
        ]
        let stop = ResumeTests.StopMidEpoch(epoch: 1, batches: 3)
        let exit = #expect(throws: ExitCode.self) {
            try TrainingRun(options: TrainCommand.parse(options), callbacks: [stop]).execute()
        }
        #expect(exit == ExitCode(130) && FoveaCommand.exitCode(for: exit!) == ExitCode(130))
        let checkpoints = run.appendingPathComponent("checkpoints")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: checkpoints.path).sorted()
                == ["epoch-001.optim.safetensors", "epoch-001.safetensors", "last.optim.safetensors", "last.safetensors"])
        let saved = try Safetensors.read(from: checkpoints.appendingPathComponent("last.optim.safetensors")).metadata
        #expect(saved["position_epoch"] == "1" && saved["position_batch"] == "3" && saved["partial_samples"] == "48", "\(saved)")
        #expect(try Self.metrics(run).epochs.map(\.epoch) == [0])

        let log = ResumeTests.BatchLog()
        try TrainingRun(options: TrainCommand.parse(options + ["--resume", run.path]), callbacks: [log]).execute()
        #expect(log.batches.first.map { [$0.epoch, $0.batch] } == [1, 4])
        #expect(log.batches.count == 4 + 7)
        let (epochs, test) = try Self.metrics(run)
        #expect(epochs.map(\.epoch) == [0, 1, 2])
        #expect(test?["test_accuracy"] != nil)
        // Cosine over 3 epochs from 0.01: the resumed run replays the schedule to epoch 2, then steps it to epoch 3.
        for (epoch, expected) in [(1, 0.0075), (2, 0.0025)] {
            #expect(abs(epochs[epoch].learningRate - Float(expected)) < 1e-7, "epoch \(epoch + 1): \(epochs[epoch].learningRate)")
        }
    }

    /// The recipe the report proposes for Iris; 30 held-out rows, so one mistake is 3.3%.
    @Test func irisReachesHighHeldOutAccuracy() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = directory.appendingPathComponent("iris")
        try Self.fovea([
            "train", "--model", "mlp", "--data", "csv:\(Self.iris)", "--epochs", "100", "--hidden", "16", "--lr", "0.01",
            "--device", "cpu", "--out", run.path,
        ])
        let accuracy = try #require(try Self.metrics(run).test?["test_accuracy"])
        // 100% when this test runs alone; parallel tests share the weight initializer's generator, so allow two mistakes.
        #expect(accuracy >= 0.93, "test accuracy \(accuracy)")
    }

    @Test func irisWithNoTrainingOptionsReachesHighHeldOutAccuracy() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = directory.appendingPathComponent("iris-defaults")
        try Self.fovea(["train", "--model", "mlp", "--data", "csv:\(Self.iris)", "--device", "cpu", "--out", run.path])
        let accuracy = try #require(try Self.metrics(run).test?["test_accuracy"])
        // 96.7-100% over seeds 0-3 when run alone; parallel tests share the initializer's generator, so allow two mistakes.
        #expect(accuracy >= 0.93, "test accuracy \(accuracy)")
    }

    @Test func defaultEpochsGiveSmallDataSetsEnoughSteps() {
        #expect(TrainingRun.defaultEpochs(trainingSamples: 54_000, batchSize: 32) == 10)  // Fashion-MNIST
        #expect(TrainingRun.defaultEpochs(trainingSamples: 108, batchSize: 32) == 200)  // Iris: 4 batches an epoch
        #expect(TrainingRun.defaultEpochs(trainingSamples: 2_000, batchSize: 32) == 13)  // 63 batches: 800 steps
    }
}
