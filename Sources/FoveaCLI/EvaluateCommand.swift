import ArgumentParser
import Foundation
import Fovea

/// `fovea evaluate`: test loss and accuracy of a checkpoint, the confusion matrix, per-class precision, recall, F1 and
/// support with their averages, top-k accuracy; `--report DIR` writes them with pictures, `--json` prints JSON. A
/// series model's forecasts are scored next to the naive forecast's, a char-lstm's next characters by loss and accuracy.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate", abstract: "Measure a checkpoint on a data set's test split.")

    @OptionGroup var checkpoint: CheckpointOptions
    @Option(help: "Data set (default: the one the model was trained on).") var data: String?
    @Option(help: "Directory with the data files.") var dataDir: String?
    @Option(help: "Samples per batch.") var batchSize = 256
    @Option(
        help:
            "For folder:DIR without train/ and test/ folders, and series: the fraction held out for testing (default: the run's, from the config.json of the checkpoint's run folder, else 0.2)."
    )
    var testSplit: Double?
    @Option(
        help:
            "For folder:DIR without train/ and test/ folders, CSV files and texts: the seed of the split (default: the run's, else 0)."
    )
    var seed: UInt64?
    @Option(help: "Report top-k accuracy for this k too (shown when below the class count).") var topK = 5
    @Option(
        help: ArgumentHelp(
            "Folder to write report.json, confusion_matrix.svg and mistakes.png (the most confidently wrong test images) into.",
            valueName: "dir"))
    var report: String?
    @Flag(help: "Print the report as JSON instead of tables.") var json = false

    func run() throws {
        guard batchSize > 0 else { throw FoveaError.invalidArgument("--batch-size \(batchSize): must be positive") }
        guard topK > 0 else { throw FoveaError.invalidArgument("--top-k \(topK): must be positive") }
        if let report, report.trimmingCharacters(in: .whitespaces).isEmpty {
            throw FoveaError.invalidArgument("--report: needs a folder name")
        }
        let contents = try Safetensors.read(from: URL(fileURLWithPath: checkpoint.checkpoint))
        let metadata = contents.metadata
        guard let name = data ?? metadata["data"] else {
            throw FoveaError.invalidArgument(
                "\(checkpoint.checkpoint): a plain state dict (no Fovea metadata) needs --model and --data")
        }
        // A sequence model's data is encoded as in its training: its window, vocabulary or standardization.
        let encoding =
            try metadata["model"] == nil
            ? nil
            : ModelSpec(
                metadata: metadata, file: checkpoint.checkpoint,
                tensorElements: contents.tensors.values.reduce(0) { $0 + $1.count }
            ).encoding
        // Folder images are read at the size the model takes, and split as in training.
        let shape = metadata["input_shape"]?.split(separator: ",").compactMap { Int($0) }
        let split = try runSplit()
        let images = DataSource.ImageOptions(
            imageSize: shape?.count == 3 ? (shape![1], shape![2]) : nil,
            channels: shape?.count == 3 ? shape![0] : nil, testFraction: split.testSplit)
        let source = try DataSource.load(
            name, directory: dataDir.map { URL(fileURLWithPath: $0) }, seed: split.seed, images: images,
            series: Self.seriesOptions(encoding, window: shape?.first, split: split),
            vocabulary: Self.trainedVocabulary(encoding))
        let (model, spec) = try LoadedModel.load(checkpoint, contents: contents, data: source)
        try Self.check(source, fits: spec, file: checkpoint.checkpoint)
        let device = try checkpoint.resolvedDevice()
        if source.isRegression || source.characters != nil {
            let evaluation = try SequenceEvaluation(
                model: model, name: spec.name, source: source, batchSize: batchSize, device: device)
            print(json ? String(decoding: try evaluation.json(), as: UTF8.self) : evaluation.text)
            if let report {
                try evaluation.write(to: URL(fileURLWithPath: report))
                if !json { print("report written to \(report)") }
            }
            return
        }
        let loader = try DataLoader(
            source.test, batchSize: batchSize, shuffle: false, transform: spec.normalization, device: device)
        let trainer = Trainer(model: model, optimizer: SGD(model.parameters))
        let result = try trainer.evaluate(loader)
        let predictions = try Predictions(model: model, loader: loader)
        let evaluation = EvaluationReport(
            model: spec.name, data: source.name, loss: result.loss, predictions: predictions,
            classNames: spec.classNames, topK: topK)
        if json {
            print(String(decoding: try evaluation.json(), as: UTF8.self))
        } else {
            // Text has no normalization to report; images do.
            if source.vocabulary == nil { print("inputs normalized as \(ModelSpec.describe(spec.normalization))") }
            print(evaluation.text)
        }
        if let report {
            try evaluation.write(to: URL(fileURLWithPath: report), test: source.test)
            if !json { print("report written to \(report)") }
        }
    }

    /// The test split and seed that split a folder (or a CSV file), and the validation split of a series: those given,
    /// else those of the run the checkpoint belongs to (`RUN/checkpoints/NAME.safetensors` next to `RUN/config.json`),
    /// else 0.2, 0 and 0.1 (`fovea train`'s defaults).
    func runSplit() throws -> (testSplit: Double, seed: UInt64, valSplit: Double) {
        let config = URL(fileURLWithPath: checkpoint.checkpoint).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config.json")
        let run = FileManager.default.fileExists(atPath: config.path) ? try TrainingSettings(given: [:], resuming: config) : nil
        return (testSplit ?? run?.testSplit ?? 0.2, seed ?? run?.seed ?? 0, run?.valSplit ?? 0.1)
    }

    /// How a series is cut for a series model: its window and horizon, the run's split, standardized with the
    /// training part's statistics saved in the checkpoint (so another file is scaled as the model was trained), relative
    /// to each window's last value when the model was trained so;
    /// for a char-lstm, its window.
    static func seriesOptions(
        _ encoding: SequenceEncoding?, window: Int?, split: (testSplit: Double, seed: UInt64, valSplit: Double)
    )
        -> DataSource.SeriesOptions
    {
        switch encoding {
        case let .series(_, mean, deviation, horizon, relative)?:
            return DataSource.SeriesOptions(
                window: window ?? 24, horizon: horizon, validationFraction: split.valSplit, testFraction: split.testSplit,
                standardization: (mean, deviation), relative: relative)
        case .characters?: return DataSource.SeriesOptions(window: window ?? 24)
        default: return DataSource.SeriesOptions()
        }
    }

    /// The vocabulary a text or char-lstm checkpoint was trained with.
    static func trainedVocabulary(_ encoding: SequenceEncoding?) -> DataSource.TrainedVocabulary? {
        switch encoding {
        case .words(let vocabulary)?: return .words(vocabulary)
        case .characters(let characters)?: return .characters(characters)
        default: return nil
        }
    }

    /// Throws unless `source` is the kind of data the model reads (a series, texts, a text of characters or images and
    /// tables), in samples of its shape.
    static func check(_ source: DataSource, fits spec: ModelSpec, file: String) throws {
        let kinds = [
            ("a series (series:PATH:COLUMN)", TrainingRun.recurrentModels.contains(spec.name), source.isRegression),
            ("texts (text:PATH)", Models.textClassifiers.contains(spec.name), source.vocabulary != nil),
            ("a text of characters (chars:PATH)", spec.name == "char-lstm", source.characters != nil),
        ]
        if let (kind, reads, _) = kinds.first(where: { $0.1 != $0.2 }) {
            throw FoveaError.invalidArgument(
                "--data \(source.name): \(file) holds a \(spec.name) model, which \(reads ? "reads" : "does not read") \(kind)")
        }
        guard source.sampleShape == spec.inputShape else {
            throw FoveaError.invalidArgument(
                "\(source.name) samples are \(source.sampleShape) but \(file) expects \(spec.inputShape)")
        }
    }
}
