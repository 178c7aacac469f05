import ArgumentParser
import Foundation
import Fovea

/// `fovea evaluate`: test loss and accuracy of a checkpoint, the confusion matrix, per-class precision, recall, F1 and
/// support with their averages, top-k accuracy; `--report DIR` writes them with pictures, `--json` prints JSON.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "evaluate", abstract: "Measure a checkpoint on a data set's test split.")

    @OptionGroup var checkpoint: CheckpointOptions
    @Option(help: "Data set (default: the one the model was trained on).") var data: String?
    @Option(help: "Directory with the data files.") var dataDir: String?
    @Option(help: "Samples per batch.") var batchSize = 256
    @Option(help: "For folder:DIR without train/ and test/ folders: the fraction held out for testing (default: the run's, from the config.json of the checkpoint's run folder, else 0.2).")
    var testSplit: Double?
    @Option(help: "For folder:DIR without train/ and test/ folders, and CSV files: the seed of the split (default: the run's, else 0).")
    var seed: UInt64?
    @Option(help: "Report top-k accuracy for this k too (shown when below the class count).") var topK = 5
    @Option(help: ArgumentHelp("Folder to write report.json, confusion_matrix.svg and mistakes.png (the most confidently wrong test images) into.",
                               valueName: "dir"))
    var report: String?
    @Flag(help: "Print the report as JSON instead of tables.") var json = false

    func run() throws {
        guard batchSize > 0 else { throw FoveaError.invalidArgument("--batch-size \(batchSize): must be positive") }
        guard topK > 0 else { throw FoveaError.invalidArgument("--top-k \(topK): must be positive") }
        if let report, report.trimmingCharacters(in: .whitespaces).isEmpty { throw FoveaError.invalidArgument("--report: needs a folder name") }
        let contents = try Safetensors.read(from: URL(fileURLWithPath: checkpoint.checkpoint))
        let metadata = contents.metadata
        guard metadata["model"] != "char-lstm" else {
            throw FoveaError.invalidArgument("\(checkpoint.checkpoint): fovea evaluate does not read char-lstm checkpoints; the run's metrics.jsonl holds their test loss and accuracy")
        }
        guard let name = data ?? metadata["data"] else {
            throw FoveaError.invalidArgument("\(checkpoint.checkpoint): a plain state dict (no Fovea metadata) needs --model and --data")
        }
        // Folder images are read at the size the model takes, and split as in training.
        let shape = metadata["input_shape"]?.split(separator: ",").compactMap { Int($0) }
        let split = try runSplit()
        let images = DataSource.ImageOptions(imageSize: shape?.count == 3 ? (shape![1], shape![2]) : nil,
                                             channels: shape?.count == 3 ? shape![0] : nil, testFraction: split.testSplit)
        let source = try DataSource.load(name, directory: dataDir.map { URL(fileURLWithPath: $0) }, seed: split.seed, images: images)
        let (model, spec) = try LoadedModel.load(checkpoint, contents: contents, data: source)
        guard source.sampleShape == spec.inputShape else {
            throw FoveaError.invalidArgument("\(source.name) samples are \(source.sampleShape) but \(checkpoint.checkpoint) expects \(spec.inputShape)")
        }
        let device = try checkpoint.resolvedDevice()
        let loader = try DataLoader(source.test, batchSize: batchSize, shuffle: false, transform: spec.normalization, device: device)
        let trainer = Trainer(model: model, optimizer: SGD(model.parameters))
        let result = try trainer.evaluate(loader)
        let predictions = try Predictions(model: model, loader: loader)
        let evaluation = EvaluationReport(model: spec.name, data: source.name, loss: result.loss, predictions: predictions,
                                          classNames: spec.classNames, topK: topK)
        if json {
            print(String(decoding: try evaluation.json(), as: UTF8.self))
        } else {
            print("inputs normalized as \(ModelSpec.describe(spec.normalization))")
            print(evaluation.text)
        }
        if let report {
            try evaluation.write(to: URL(fileURLWithPath: report), test: source.test)
            if !json { print("report written to \(report)") }
        }
    }

    /// The test split and seed that split a folder (or a CSV file): those given, else those of the run the checkpoint
    /// belongs to (`RUN/checkpoints/NAME.safetensors` next to `RUN/config.json`), else 0.2 and 0 (`fovea train`'s defaults).
    func runSplit() throws -> (testSplit: Double, seed: UInt64) {
        let config = URL(fileURLWithPath: checkpoint.checkpoint).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config.json")
        let run = FileManager.default.fileExists(atPath: config.path) ? try TrainingSettings(given: [:], resuming: config) : nil
        return (testSplit ?? run?.testSplit ?? 0.2, seed ?? run?.seed ?? 0)
    }
}
