import ArgumentParser
import Foundation
import Fovea
import FoveaTestSupport
import Testing

@testable import FoveaCLI

/// What an outside tester found `fovea` getting wrong (issue 9): options that cannot be right, a resume that forgot
/// the run's options, training that diverged silently, checkpoint metadata that sized allocations, plain state dicts.
@Suite struct CommandLineReliabilityTests {
    static let iris = irisCSV.path
    static let fovea = CommandLineTests.fovea
    static func failure(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        CommandLineTests.failure(arguments, sourceLocation: sourceLocation)
    }
    static let irisOptions = [
        "--model", "mlp", "--data", "csv:\(irisCSV.path)", "--hidden", "16", "--lr", "0.01", "--batch-size", "16", "--device",
        "cpu",
    ]

    @Test func optionsThatCannotBeRightAreRefused() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("run").path
        let cases: [([String], String)] = [
            (["--lr=-1"], "--lr -1.0: the learning rate must be a finite number above 0"),
            (["--lr", "nan"], "--lr nan: the learning rate must be a finite number above 0"),
            (["--lr", "inf"], "--lr inf: the learning rate must be a finite number above 0"),
            (["--momentum", "nan"], "--momentum nan: must be in [0, 1)"),
            (["--weight-decay=-1"], "--weight-decay -1.0: must be a finite number >= 0"),
            (["--l1", "nan"], "--l1 nan: must be a finite number >= 0"),
            (["--early-stopping=-3"], "--early-stopping -3: must be a positive number of epochs"),
            (
                ["--data", "csv:"],
                "--data csv:: use fashion-mnist, mnist, cifar10, cifar100, csv:PATH, folder:DIR, series:PATH:COLUMN, text:PATH or chars:PATH"
            ),
            (
                ["--normalize", "0.5,0"],
                "--normalize 0.5,0: expected none, imagenet, MEAN,STD or M1,...,MC,S1,...,SC with finite means and positive deviations"
            ),
            (["--distributed", "tcp"], "--distributed tcp: use mpi or none"),
            (["--collective-timeout", "5"], "--collective-timeout 5.0: only for a distributed run (mpirun)"),
        ]
        for (arguments, message) in cases {
            #expect(Self.failure(["train", "--out", out] + arguments) == message)
        }
        #expect(Self.failure(["train", "--out", ""]) == "--out: needs a folder name")
        if !OpenCLRuntime.listDevices().devices.contains(where: { $0.isGPU }) {
            #expect(
                Self.failure(["train", "--device", "gpu", "--out", out])?.hasPrefix("device 'gpu': no OpenCL GPU found (") == true
            )
        }
        #expect(!FileManager.default.fileExists(atPath: out))

        let oneClass = directory.appendingPathComponent("one.csv")
        try Data("a,b,label\n1,2,x\n3,4,x\n5,6,x\n7,8,x\n9,0,x\n".utf8).write(to: oneClass)
        #expect(
            Self.failure(["train", "--model", "mlp", "--data", "csv:\(oneClass.path)", "--out", out])
                == "csv:\(oneClass.path): the training data has 1 class; classification needs two or more")
        // A run folder where a file cannot be created names the folder and the reason.
        #expect(
            Self.failure(["train", "--out", "/etc/hostname/run"] + Self.irisOptions)
                == "/etc/hostname/run: cannot create the run folder: /etc/hostname is a file, not a folder")
    }

    @Test func anExistingRunIsNotOverwrittenUnlessAsked() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = directory.appendingPathComponent("iris")
        try Self.fovea(["train", "--epochs", "2", "--out", run.path] + Self.irisOptions)
        #expect(
            Self.failure(["train", "--epochs", "1", "--out", run.path] + Self.irisOptions)
                == "--out \(run.path): holds a run already (config.json, metrics.jsonl, curves.svg, checkpoints); continue it with --resume \(run.path), or replace it with --overwrite"
        )
        try Self.fovea(["train", "--epochs", "1", "--out", run.path, "--overwrite"] + Self.irisOptions)
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent("checkpoints").path)
            .sorted()
        #expect(
            checkpoints == ["epoch-001.optim.safetensors", "epoch-001.safetensors", "last.optim.safetensors", "last.safetensors"])
        #expect(try CommandLineTests.metrics(run).epochs.map(\.epoch) == [0])
    }

    /// A resumed run takes every option from its folder; one given again must agree, except how long and where it trains.
    @Test func resumeTakesTheRunsOwnOptions() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = directory.appendingPathComponent("iris")
        try Self.fovea(["train", "--epochs", "2", "--out", run.path] + Self.irisOptions)
        let config = run.appendingPathComponent("config.json")
        let before = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: config))

        #expect(
            Self.failure(["train", "--resume", run.path, "--optimizer", "sgd"])
                == "--optimizer sgd: the run in \(run.path) was trained with --optimizer adam; a resumed run keeps its options (leave it out, or start a new run with another --out)"
        )
        #expect(Self.failure(["train", "--resume", run.path, "--hidden", "32"])?.hasPrefix("--hidden 32: the run in ") == true)
        #expect(
            Self.failure(["train", "--resume", run.path, "--out", directory.path])
                == "--out \(directory.path): a resumed run stays in its folder, \(run.path)")

        // No --model, --data or --hidden: they come from config.json (an mlp, which the defaults would not rebuild).
        try Self.fovea(["train", "--resume", run.path, "--epochs", "3", "--lr", "0.01"])
        let after = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: config))
        #expect(after.filter { $0.key != "epochs" } == before.filter { $0.key != "epochs" })
        #expect(after["epochs"] == "3")
        #expect(try CommandLineTests.metrics(run).epochs.map(\.epoch) == [0, 1, 2])
    }

    /// `--max-steps` counts the steps of the whole run, those before a resume included.
    @Test func maxStepsCountsTheWholeRun() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = directory.appendingPathComponent("iris")
        try Self.fovea(["train", "--epochs", "5", "--max-steps", "10", "--out", run.path] + Self.irisOptions)
        func steps() throws -> String? {
            try Safetensors.read(from: run.appendingPathComponent("checkpoints/last.optim.safetensors")).metadata["step_count"]
        }
        #expect(try steps() == "10")
        try Self.fovea(["train", "--resume", run.path, "--max-steps", "17"])
        #expect(try steps() == "17")
    }

    /// A learning rate that makes the loss blow up stops the run with a message and a metrics line; no checkpoint
    /// of non-finite weights is written.
    @Test func divergenceStopsWithAMessageAndKeepsTheLastFiniteCheckpoint() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = directory.appendingPathComponent("iris")
        let message = Self.failure([
            "train", "--optimizer", "sgd", "--lr", "1e6", "--epochs", "3", "--out", run.path,
            "--model", "mlp", "--data", "csv:\(Self.iris)", "--device", "cpu",
        ])
        #expect(message?.hasPrefix("training diverged: the loss became ") == true, "\(message ?? "")")
        #expect(message?.contains("lower the learning rate (--lr 1000000.0)") == true, "\(message ?? "")")
        let lines = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.last?.hasPrefix("{\"diverged\":true,") == true, "\(lines)")
        let last = run.appendingPathComponent("checkpoints/last.safetensors")
        if FileManager.default.fileExists(atPath: last.path) {
            for (name, tensor) in try Safetensors.read(from: last).tensors {
                #expect(try tensor.toArray().allSatisfy(\.isFinite), "\(name)")
            }
        }
    }

    /// Checkpoint metadata is checked before it sizes anything: a one-line error, never a trap or a huge allocation.
    @Test func checkpointMetadataIsValidatedBeforeItSizesAnything() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let image = try CommandLineTests.pgm(width: 28, height: 28, in: directory)
        let good = try CommandLineTests.lenetCheckpoint(in: directory)
        let (tensors, metadata) = try Safetensors.read(from: URL(fileURLWithPath: good))
        let cases: [(String, String, String)] = [
            ("classes", "-3", "metadata classes '-3' must be a number of classes from 1 to 61706"),
            ("classes", "100000000000", "metadata classes '100000000000' must be a number of classes from 1 to 61706"),
            ("hidden", "0", "metadata hidden '0' is not a list of positive sizes"),
            ("input_shape", "-1", "metadata input_shape '-1' is not a list of positive sizes"),
            (
                "input_shape", "1,100000,100000",
                "metadata input_shape [1, 100000, 100000] is larger than any input Fovea takes (50331648 elements, rank 3)"
            ),
            (
                "input_shape", "1,4000,4000",
                "metadata (model lenet5, input_shape [1, 4000, 4000], classes 10, hidden 256) describes a model of about 1912328670 parameters, but the file holds 61706"
            ),
            (
                "normalize_mean", "nan",
                "metadata normalize_mean 'nan' / normalize_std '0.25' are not finite means and positive deviations, one pair per channel"
            ),
            (
                "model", "vgg99",
                "metadata model 'vgg99' is none of mlp, lenet5, cnn-cifar, resnet-small, resnet18, vgg11, lstm, gru, rnn, lstm-text, gru-text, char-lstm"
            ),
        ]
        for (key, value, reason) in cases {
            let file = directory.appendingPathComponent("doctored-\(key).safetensors")
            var doctored = metadata
            doctored[key] = value
            try Safetensors.write(tensors, metadata: doctored, to: file)
            #expect(
                Self.failure(["predict", "--checkpoint", file.path, "--input", image, "--device", "cpu"])
                    == "\(file.path): \(reason)")
        }
        #expect(
            Self.failure(["evaluate", "--checkpoint", directory.path])
                == "\(directory.path): is a directory, not a safetensors file")
    }

    /// A state dict PyTorch wrote (no Fovea metadata) is evaluated and used for predictions with --model and --data.
    @Test func plainStateDictsWorkWithModelAndData() throws {
        let pytorch = PyTorchInteropTests.fixtures.appendingPathComponent("lenet5_torch.safetensors").path
        let image = "idx:/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz:0"
        try Self.fovea([
            "predict", "--checkpoint", pytorch, "--model", "lenet5", "--input", image, "--device", "cpu", "--no-normalize",
        ])
        try Self.fovea([
            "predict", "--checkpoint", pytorch, "--model", "lenet5", "--input", image, "--device", "cpu", "--normalize",
            "0.286,0.353",
        ])
        #expect(
            Self.failure(["predict", "--checkpoint", pytorch, "--model", "mlp", "--input", image, "--device", "cpu"])?
                .contains("does not fit this model") == true)
        #expect(
            Self.failure([
                "predict", "--checkpoint", pytorch, "--model", "lenet5", "--input", image, "--normalize", "1,1", "--no-normalize",
            ])
                == "--normalize and --no-normalize: give one of them")
    }
}

extension CommandLineReliabilityTests {
    /// Ctrl-C that arrives after the last training step (during the last validation or the test) stops the run with
    /// 130 and no test line; the resumed run only tests.
    @Test func ctrlCDuringTheFinalPassesExitsWith130AndResumeTests() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = directory.appendingPathComponent("iris")
        final class PressAfterLastEpoch: TrainingCallback {
            var pressed = false
            func epochDidEnd(_ trainer: Trainer, metrics: EpochMetrics) throws { if metrics.epoch == 1 { pressed = true } }
        }
        let press = PressAfterLastEpoch()
        var training = TrainingRun(
            options: try TrainCommand.parse(["--epochs", "2", "--out", run.path] + Self.irisOptions), callbacks: [press])
        training.isInterrupted = { press.pressed }
        let exit = #expect(throws: ExitCode.self) { try training.execute() }
        #expect(exit == ExitCode(130))
        #expect(try CommandLineTests.metrics(run).test?["test_accuracy"] == nil)
        try Self.fovea(["train", "--resume", run.path])
        #expect(try CommandLineTests.metrics(run).test?["test_accuracy"] != nil)
        #expect(try CommandLineTests.metrics(run).epochs.map(\.epoch) == [0, 1])
    }
}

extension CommandLineReliabilityTests {
    /// Sizes from options are checked before a model is built: no trap on overflow, no allocation of terabytes.
    @Test func modelsTooLargeToBuildAreRefusedBeforeAllocating() {
        #expect(
            Self.failure(["summary", "--model", "mlp", "--input-shape", "100000,100000", "--hidden", "100000"])
                == "input shape [100000, 100000] is larger than any input Fovea takes (50331648 elements, rank 3)")
        #expect(
            Self.failure(["summary", "--model", "mlp", "--input-shape", "784", "--hidden", "100000,100000"])
                == "a mlp for input [784], 10 classes and hidden [100000, 100000] has at least 10079400000 parameters, more than 2147483648"
        )
        #expect(Self.failure(["summary", "--classes", "0"]) == "0 classes: must be from 1 to 1048576")
        #expect(
            Self.failure(["evaluate", "--checkpoint", "/dev/null"])
                == "/dev/null: is not a regular file (a device, a pipe or a socket), not a safetensors file")
    }
}
