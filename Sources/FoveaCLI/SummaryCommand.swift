import ArgumentParser
import Foundation
import Fovea

/// `fovea summary`: layers, output shapes and parameter counts of a zoo model, built for the input `fovea train`
/// would give it: images by default, a series' windows, texts' word ids or characters (with their sizes from the
/// options or from `--data`).
struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary", abstract: "Print a model's layers, output shapes and parameters.")

    @Option(help: "Model: \(Models.names.joined(separator: ", ")).") var model = "lenet5"
    @Option(
        help:
            "Input shape without the batch axis, e.g. 1,28,28 or 3,32,32 (default: 1,28,28; [window, 1] for lstm, gru and rnn; [48] for lstm-text and gru-text; [window] for char-lstm)."
    )
    var inputShape: String?
    @Option(help: "Number of classes (default: 10; 1 value forecast by lstm, gru and rnn; 2 for lstm-text and gru-text).")
    var classes: Int?
    @Option(help: "Hidden layer sizes for mlp, comma-separated; the recurrent layer's units for the recurrent models.")
    var hidden = "256"
    @Flag(help: "LeNet-5 with sigmoid and average pooling.") var classic = false
    @Option(help: "For lstm, gru, rnn and char-lstm: the values or characters each window holds (default 24).") var window: Int?
    @Option(
        help:
            "For lstm-text and gru-text: the word ids it embeds (its words, padding and unknown); for char-lstm: its characters.")
    var vocabulary: Int?
    @Option(
        help:
            "A built-in data set (fashion-mnist, mnist, cifar10, cifar100): also show how `fovea train` normalizes its inputs; series:PATH:COLUMN, text:PATH or chars:PATH: the sizes the model takes from it."
    )
    var data: String?

    static let sequenceModels: Set = ["lstm", "gru", "rnn", "lstm-text", "gru-text", "char-lstm"]

    func run() throws { print(try text(), terminator: "") }

    /// What `run` prints: the model's summary table, and how a built-in data set's inputs are normalized.
    func text() throws -> String {
        if let window, !["lstm", "gru", "rnn", "char-lstm"].contains(model) {
            throw FoveaError.invalidArgument("--window \(window): only for --model lstm, gru, rnn and char-lstm")
        }
        if let vocabulary, !(Models.textClassifiers.contains(model) || model == "char-lstm") {
            throw FoveaError.invalidArgument("--vocabulary \(vocabulary): only for --model lstm-text, gru-text and char-lstm")
        }
        if let window, window <= 0 || window > ModelSpec.largestLayer {
            throw FoveaError.invalidArgument("--window \(window): must be a positive number of values")
        }
        if let vocabulary, vocabulary < (model == "char-lstm" ? 2 : 3) || vocabulary > ModelSpec.largestLayer {
            throw FoveaError.invalidArgument(
                "--vocabulary \(vocabulary): must be from \(model == "char-lstm" ? 2 : 3) to \(ModelSpec.largestLayer)")
        }
        let source = try sequenceData()
        let shape = try resolvedInputShape(source)
        let words = vocabulary ?? source.map { $0.vocabulary?.count ?? $0.characters?.count ?? 0 } ?? 0
        if (Models.textClassifiers.contains(model) || model == "char-lstm") && words == 0 {
            throw FoveaError.invalidArgument(
                "--model \(model): needs the size of its vocabulary: --vocabulary N, or --data \(model == "char-lstm" ? "chars" : "text"):PATH"
            )
        }
        let classCount = model == "char-lstm" ? words : classes ?? source?.classCount ?? Self.defaultClasses(model)
        let hiddenSizes = try ModelSpec.parseHidden(hidden)
        try ModelSpec.checkSize(model: model, inputShape: shape, classes: classCount, hidden: hiddenSizes)
        let network = try Models.make(
            model, inputShape: shape, classes: classCount, hidden: hiddenSizes, classic: classic, vocabulary: words)
        let table = try network.summary(inputShape: shape)
        guard let data, source == nil else { return table }
        guard DataSource.builtInNames.contains(data) else {
            throw FoveaError.invalidArgument(
                "--data \(data): use \(DataSource.builtInNames.joined(separator: ", ")) (CSV features are standardized instead), "
                    + "or series:PATH:COLUMN, text:PATH or chars:PATH for the recurrent models")
        }
        return table
            + "\(data) inputs: pixels scaled to [0, 1], then \(ModelSpec.describe(DataSource.standardNormalization(for: data)))\n"
    }

    /// The series or texts `--data` names, cut as `fovea train` cuts them (`--window`); nil for other data.
    private func sequenceData() throws -> DataSource? {
        guard let data, ["series:", "text:", "chars:"].contains(where: data.hasPrefix) else { return nil }
        guard Self.sequenceModels.contains(model) else {
            throw FoveaError.invalidArgument(
                "--data \(data): sizes a recurrent model (--model \(Self.sequenceModels.sorted().joined(separator: ", "))), not \(model)"
            )
        }
        return try DataSource.load(data, series: DataSource.SeriesOptions(window: window ?? 24))
    }

    /// `--input-shape`, else the shape of `source`'s samples, else the model's default.
    private func resolvedInputShape(_ source: DataSource?) throws -> Shape {
        if let inputShape {
            let dims = inputShape.split(separator: ",", omittingEmptySubsequences: false).map {
                Int($0.trimmingCharacters(in: .whitespaces)) ?? 0
            }
            guard !dims.isEmpty, dims.allSatisfy({ $0 > 0 }) else {
                throw FoveaError.invalidArgument("--input-shape '\(inputShape)': expected positive sizes like 1,28,28")
            }
            return Shape(dims)
        }
        if let source { return source.sampleShape }
        switch model {
        case "lstm", "gru", "rnn": return [window ?? 24, 1]
        case "lstm-text", "gru-text": return [48]
        case "char-lstm": return [window ?? 24]
        default: return [1, 28, 28]
        }
    }

    /// The classes `fovea train` gives `model` when the data does not say: one forecast value for a series model, two
    /// for a text classifier, ten otherwise.
    private static func defaultClasses(_ model: String) -> Int {
        ["lstm", "gru", "rnn"].contains(model) ? 1 : Models.textClassifiers.contains(model) ? 2 : 10
    }
}
