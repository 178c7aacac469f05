import Foundation
import Fovea
import FoveaTestSupport
import Testing

@testable import FoveaCLI

/// `fovea predict --text` and `--series`: a sequence checkpoint carries the vocabulary or the series' scaling it was
/// trained with, and a hostile copy of that metadata gives a one-line error.
@Suite struct SequencePredictTests {
    static func options(_ checkpoint: URL) throws -> CheckpointOptions {
        try CheckpointOptions.parse(["--checkpoint", checkpoint.path, "--device", "cpu"])
    }

    /// Rewrites `checkpoint` with `change` applied to its metadata.
    static func doctor(_ checkpoint: URL, as copy: URL, _ change: (inout [String: String]) -> Void) throws -> String {
        var (tensors, metadata) = try Safetensors.read(from: checkpoint)
        change(&metadata)
        try Safetensors.write(tensors, metadata: metadata, to: copy)
        return copy.path
    }

    @Test(arguments: ["lstm-text", "gru-text"])
    func aTextCheckpointClassifiesRawTextWithItsVocabulary(model: String) throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = try TextCommandTests.reviews(in: directory)
        let out = directory.appendingPathComponent("run")
        try CommandLineTests.fovea([
            "train", "--model", model, "--data", "text:\(csv.path)", "--hidden", "16", "--epochs", "4",
            "--lr", "0.01", "--device", "cpu", "--out", out.path,
        ])
        let checkpoint = out.appendingPathComponent("checkpoints/last.safetensors")
        // Upper case and unknown words are read as in training: lower-cased, unknown ones as id 1.
        let praise = try SequencePrediction.classify(
            "Zzyzx: the film, GREAT and lovely plot!", checkpoint: Self.options(checkpoint), top: 2)
        #expect(praise.lines.first == "6 of the 7 words read are in the vocabulary")
        #expect(praise.lines.dropFirst().first?.hasPrefix("1. positive  ") == true, "\(praise.lines)")
        #expect(praise.probabilities[1] > 0.9 && abs(praise.probabilities.reduce(0, +) - 1) < 1e-5)
        let scorn = try SequencePrediction.classify("the film, dull and awful plot", checkpoint: Self.options(checkpoint), top: 1)
        #expect(scorn.probabilities[0] > 0.9 && scorn.lines.count == 2)
        try CommandLineTests.fovea(["predict", "--checkpoint", checkpoint.path, "--text", "a poor plot", "--device", "cpu"])
        let config = try String(contentsOf: out.appendingPathComponent("config.json"), encoding: .utf8)
        #expect(!config.contains("vocabulary_words"))

        let hostile: [(String, (inout [String: String]) -> Void, String)] = [
            ("short", { $0["vocabulary_words"] = "the film" }, "metadata vocabulary_words holds 2 words, but the model embeds"),
            (
                "twice",
                {
                    $0["vocabulary_words"] = ($0["vocabulary_words"]!.split(separator: " ").dropLast() + ["the"]).joined(
                        separator: " ")
                },
                "metadata vocabulary_words: Vocabulary: word 'the' appears twice"
            ),
            (
                "spaced", { $0["vocabulary_words"] = $0["vocabulary_words"]!.replacingOccurrences(of: "film", with: "Fi,lm") },
                "is not one lower-case token"
            ),
            ("series", { $0["series_column"] = "x" }, "metadata series_column belongs to a series model, not \(model)"),
        ]
        for (name, change, expected) in hostile {
            let file = try Self.doctor(checkpoint, as: directory.appendingPathComponent("\(name).safetensors"), change)
            let message = CommandLineTests.failure(["predict", "--checkpoint", file, "--text", "good", "--device", "cpu"])
            #expect(message?.hasPrefix(file + ": ") == true && message?.contains(expected) == true, "\(name): \(message ?? "")")
        }
        let older = try Self.doctor(checkpoint, as: directory.appendingPathComponent("older.safetensors")) {
            $0["vocabulary_words"] = nil
        }
        #expect(
            CommandLineTests.failure(["predict", "--checkpoint", older, "--text", "good", "--device", "cpu"])?
                .contains("does not hold its vocabulary") == true)
        #expect(
            CommandLineTests.failure(["predict", "--checkpoint", checkpoint.path, "--text", "good", "--input", csv.path])
                == "give one of --input (an image), --text or --series")
    }

    @Test func aSeriesCheckpointForecastsTheNextValueInTheSeriesUnits() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("run")
        try CommandLineTests.fovea([
            "train", "--model", "gru", "--data", "series:\(SeriesCommandTests.co2):ppm", "--window", "12",
            "--hidden", "8", "--epochs", "2", "--lr", "0.01", "--device", "cpu", "--out", out.path,
        ])
        let checkpoint = out.appendingPathComponent("checkpoints/last.safetensors")
        let values = try TimeSeries.read(csv: URL(fileURLWithPath: SeriesCommandTests.co2), column: "ppm").values
        let forecast = try SequencePrediction.forecast(SeriesCommandTests.co2, column: nil, checkpoint: Self.options(checkpoint))
        // The model predicts the change from the last value, in ppm once un-scaled: a month's CO2 moves by a few ppm at most.
        #expect(abs(forecast.value - values.last!) < 4, "\(forecast.line), last value \(values.last!)")
        #expect(forecast.line.hasPrefix("ppm 1 step after the last of \(values.count) values: "))

        // Another file, its column named by --column: the forecast follows its own last window. The model reads each
        // window relative to its last value (the default), so a series 1 ppm higher is forecast exactly 1 ppm higher.
        #expect(try Safetensors.read(from: checkpoint).metadata["series_inputs"] == "relative")
        let shifted = directory.appendingPathComponent("shifted.csv")
        try (["month,level"] + values.enumerated().map { "\($0),\($1 + 1)" }).joined(separator: "\n").write(
            to: shifted, atomically: true, encoding: .utf8)
        let moved = try SequencePrediction.forecast(shifted.path, column: "level", checkpoint: Self.options(checkpoint))
        #expect(abs(moved.value - forecast.value - 1) < 1e-3, "\(moved.value) vs \(forecast.value)")

        let short = directory.appendingPathComponent("short.csv")
        try "ppm\n1\n2\n3".write(to: short, atomically: true, encoding: .utf8)
        #expect(
            CommandLineTests.failure(["predict", "--checkpoint", checkpoint.path, "--series", short.path, "--device", "cpu"])
                == "\(short.path): column 'ppm' holds 3 values; the model reads windows of 12")
        #expect(
            CommandLineTests.failure(["predict", "--checkpoint", checkpoint.path, "--series", shifted.path, "--device", "cpu"])?
                .contains("no column named 'ppm'") == true)
        let hostile: [(String, (inout [String: String]) -> Void)] = [
            ("deviation", { $0["series_std"] = "0" }), ("mean", { $0["series_mean"] = "nan" }),
            ("horizon", { $0["horizon"] = "-3" }), ("column", { $0["series_column"] = "" }),
        ]
        for (name, change) in hostile {
            let file = try Self.doctor(checkpoint, as: directory.appendingPathComponent("\(name).safetensors"), change)
            let message = CommandLineTests.failure([
                "predict", "--checkpoint", file, "--series", SeriesCommandTests.co2, "--device", "cpu",
            ])
            #expect(
                message
                    == "\(file): metadata series_column, series_mean, series_std and horizon must be a column name, a finite mean, "
                    + "a finite positive deviation and a positive number of steps", "\(name)")
        }
        let sideways = try Self.doctor(checkpoint, as: directory.appendingPathComponent("sideways.safetensors")) {
            $0["series_inputs"] = "sideways"
        }
        #expect(
            CommandLineTests.failure(["predict", "--checkpoint", sideways, "--series", SeriesCommandTests.co2, "--device", "cpu"])
                == "\(sideways): metadata series_inputs 'sideways' is none of relative, absolute")
        #expect(
            CommandLineTests.failure(["predict", "--checkpoint", checkpoint.path, "--text", "hello", "--device", "cpu"])?
                .contains("holds a gru model, not an lstm-text or gru-text one") == true)
        #expect(
            CommandLineTests.failure(["generate", "--checkpoint", checkpoint.path, "--prompt", "1", "--device", "cpu"])
                == "\(checkpoint.path) holds a gru model; fovea generate needs a char-lstm one")
    }
}
