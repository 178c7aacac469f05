import Foundation
import Fovea
import FoveaTestSupport
import Testing

@testable import FoveaCLI

/// `fovea train --model lstm-text|gru-text --data text:PATH`: a text classifier trained end to end, and the pairings
/// refused.
@Suite struct TextCommandTests {
    /// 200 reviews in `directory`/reviews.csv, "the film, WORD and WORD plot": positive with good, great, fine and
    /// lovely, negative with bad, dull, poor and awful.
    static func reviews(in directory: URL) throws -> URL {
        let good = ["good", "great", "fine", "lovely"], bad = ["bad", "dull", "poor", "awful"]
        let rows = (0..<200).map { i in
            let words = (i % 2 == 0 ? good : bad)
            return "\(i % 2 == 0 ? "positive" : "negative"),\"the film, \(words[i / 2 % 4]) and \(words[(i / 8) % 4]) plot\""
        }
        let csv = directory.appendingPathComponent("reviews.csv")
        try (["label,text"] + rows).joined(separator: "\n").write(to: csv, atomically: true, encoding: .utf8)
        return csv
    }

    @Test(arguments: ["lstm-text", "gru-text"])
    func aTextClassifierLearnsWhichWordsArePositive(model: String) throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = try Self.reviews(in: directory)
        let out = directory.appendingPathComponent("run")
        try CommandLineTests.fovea([
            "train", "--model", model, "--data", "text:\(csv.path)", "--hidden", "16", "--epochs", "4",
            "--lr", "0.01", "--device", "cpu", "--out", out.path,
        ])
        let lines = try String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        let last = try #require(try JSONSerialization.jsonObject(with: Data(lines.last!.utf8)) as? [String: Double])
        #expect(try #require(last["test_accuracy"]) > 0.95)
        let config = try JSONDecoder().decode(
            [String: String].self, from: Data(contentsOf: out.appendingPathComponent("config.json")))
        #expect(config["vocabulary"].flatMap(Int.init).map { $0 > 10 } == true)

        // fovea evaluate tests the run's test texts as training did, with the classification report.
        let checkpoint = out.appendingPathComponent("checkpoints/last.safetensors").path
        let names = try CheckpointTests.headerKeys(URL(fileURLWithPath: checkpoint))
        let layer = model == "gru-text" ? "gru" : "lstm"
        #expect(names.first == "embedding.weight" && names.contains("\(layer).weight_hh_l0"), "\(names)")
        let report = try Self.evaluate(checkpoint, report: directory.appendingPathComponent("report"))
        #expect(try #require(report["samples"] as? Int) == 40)
        #expect(abs(try #require((report["report"] as? [String: Any])?["accuracy"] as? Double) - last["test_accuracy"]!) < 1e-6)
        #expect((report["report"] as? [String: Any])?["class_names"] as? [String] == ["negative", "positive"])
        // Other texts are read with the checkpoint's vocabulary: this file's own would give "lovely" the id "bad" had.
        let other = directory.appendingPathComponent("other.csv")
        try
            (["label,text"]
            + (0..<40).map {
                $0 % 2 == 0 ? "positive,\"the film, lovely and lovely plot\"" : "negative,\"the film, awful and awful plot\""
            })
            .joined(separator: "\n").write(to: other, atomically: true, encoding: .utf8)
        let otherReport = try Self.evaluate(
            checkpoint, data: "text:\(other.path)", report: directory.appendingPathComponent("other"))
        #expect(try #require((otherReport["report"] as? [String: Any])?["accuracy"] as? Double) > 0.95)
    }

    /// The report.json of `fovea evaluate --checkpoint CHECKPOINT [--data DATA] --report FOLDER --device cpu`.
    static func evaluate(_ checkpoint: String, data: String? = nil, report: URL) throws -> [String: Any] {
        try CommandLineTests.fovea(
            ["evaluate", "--checkpoint", checkpoint, "--report", report.path, "--device", "cpu"]
                + (data.map { ["--data", $0] } ?? []))
        return try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: report.appendingPathComponent("report.json")))
                as? [String: Any])
    }

    @Test func textNeedsLSTMTextAndNoImageOptions() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let snippets = repositoryRoot.appendingPathComponent("data/movie-snippets.csv").path
        let out = directory.appendingPathComponent("run").path
        let cases: [([String], String)] = [
            (["--model", "mlp", "--data", "text:\(snippets)"], "--model lstm-text or gru-text classifies a text:PATH"),
            (["--model", "gru-text", "--data", "csv:\(CommandLineTests.iris)"], "--model lstm-text or gru-text classifies"),
            (["--model", "lstm-text", "--data", "text:\(snippets)", "--normalize", "0.5,0.5"], "--normalize: not for text:"),
            (
                ["--model", "lstm-text", "--data", "text:\(CommandLineTests.iris)"],
                "does not name the columns 'label' and 'text'"
            ),
        ]
        for (arguments, expected) in cases {
            let message = CommandLineTests.failure(["train"] + arguments + ["--epochs", "1", "--out", out])
            #expect(message?.contains(expected) == true, "\(arguments): \(message ?? "")")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }
}
