import Foundation
import Fovea
import FoveaTestSupport
import Testing

@testable import FoveaCLI

/// `fovea train --model char-lstm --data chars:PATH` and `fovea generate`: a model that memorizes a tiny text writes
/// it back, one seed gives one text, and bad options or metadata give one-line errors.
@Suite struct GenerateCommandTests {
    static let sentence = "the quick brown fox jumps over the lazy dog. "

    /// A char-lstm trained on 30 copies of `sentence` in `directory`; its checkpoint.
    static func memorized(in directory: URL) throws -> URL {
        let text = directory.appendingPathComponent("tiny.txt")
        try String(repeating: sentence, count: 30).write(to: text, atomically: true, encoding: .utf8)
        let out = directory.appendingPathComponent("run")
        try CommandLineTests.fovea([
            "train", "--model", "char-lstm", "--data", "chars:\(text.path)", "--window", "16", "--hidden", "32",
            "--epochs", "10", "--lr", "0.01", "--device", "cpu", "--out", out.path,
        ])
        return out.appendingPathComponent("checkpoints/last.safetensors")
    }

    @Test func aMemorizedTextComesBackAndASeedGivesOneText() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let checkpoint = try Self.memorized(in: directory)
        let generator = try TextGenerator(
            checkpoint: try CheckpointOptions.parse(["--checkpoint", checkpoint.path, "--device", "cpu"]))
        #expect(generator.characters.count == Set(Self.sentence).count && generator.window == 16)
        let continuation = try generator.continuation(
            of: "the quick brown ", length: 2 * Self.sentence.count, temperature: 0.2, seed: 3)
        #expect(
            continuation == String((Self.sentence + Self.sentence + Self.sentence).dropFirst(16).prefix(2 * Self.sentence.count)))
        // At a high temperature the text is a draw: the same seed draws it again, another seed another text.
        let draws = try [7, 7, 8].map { try generator.continuation(of: "the", length: 80, temperature: 5, seed: $0) }
        #expect(draws[0] == draws[1] && draws[0] != draws[2], "\(draws)")
        try CommandLineTests.fovea([
            "generate", "--checkpoint", checkpoint.path, "--prompt", "the lazy", "--length", "20", "--seed", "1", "--device",
            "cpu",
        ])
        #expect(
            try generator.continuation(
                of: "the quick brown ", length: 2 * Self.sentence.count, temperature: 0.2, seed: 3, context: .window)
                == continuation)

        // Carrying the state is reading the whole text so far: while the prompt and the draws fit in the window it
        // draws what rereading the window draws, and past it what a window longer than the text draws.
        for seed: UInt64 in [1, 2, 3] {
            let carried = try generator.continuation(of: "the quick", length: 8, temperature: 5, seed: seed)
            #expect(
                carried == (try generator.continuation(of: "the quick", length: 8, temperature: 5, seed: seed, context: .window)),
                "seed \(seed)")
        }
        let unbounded = TextGenerator(model: generator.model, characters: generator.characters, window: 1000, device: .cpu)
        let long = try generator.continuation(of: "the quick", length: 120, temperature: 2, seed: 4)
        #expect(long == (try unbounded.continuation(of: "the quick", length: 120, temperature: 2, seed: 4, context: .window)))
        // fovea evaluate predicts the next character of the run's test windows as training tested them.
        let lines = try String(contentsOf: directory.appendingPathComponent("run/metrics.jsonl"), encoding: .utf8).split(
            separator: "\n")
        let last = try #require(try JSONSerialization.jsonObject(with: Data(lines.last!.utf8)) as? [String: Double])
        let report = try TextCommandTests.evaluate(checkpoint.path, report: directory.appendingPathComponent("report"))
        #expect(abs(try #require(report["accuracy"] as? Double) - last["test_accuracy"]!) < 1e-6)
        #expect(abs(try #require(report["loss"] as? Double) - last["test_loss"]!) < 1e-4 * last["test_loss"]!)
        #expect(try #require(report["samples"] as? Int) == 30 * Self.sentence.count / 20)
    }

    @Test func badOptionsAndMetadataGiveOneLineErrors() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let checkpoint = try Self.memorized(in: directory).path
        func generate(_ arguments: [String]) -> String? {
            CommandLineTests.failure(["generate", "--checkpoint", checkpoint, "--device", "cpu"] + arguments)
        }
        for temperature in ["0", "-1", "nan", "inf"] {
            #expect(
                generate(["--prompt", "the", "--temperature=\(temperature)"])?.hasSuffix(": must be a finite number above 0")
                    == true, "\(temperature)")
        }
        #expect(generate(["--prompt", "the", "--length", "0"]) == "--length 0: must be from 1 to \(TextGenerator.longest)")
        #expect(generate(["--prompt", ""]) == "--prompt: needs at least one character")
        #expect(
            generate(["--prompt", "The"])
                == "--prompt: character 'T' is none of the \(Set(Self.sentence).count) characters the model knows")

        let hostile: [(String, (inout [String: String]) -> Void, String)] = [
            (
                "repeated", { $0["characters"] = String($0["characters"]!.dropLast()) + "a" },
                "metadata characters: CharacterVocabulary: character U+61 appears twice"
            ),
            ("short", { $0["characters"] = "ab" }, "metadata characters holds 2 characters, but the model predicts"),
            ("missing", { $0["characters"] = nil }, "metadata has no 'characters'"),
        ]
        for (name, change, expected) in hostile {
            let file = try SequencePredictTests.doctor(
                URL(fileURLWithPath: checkpoint), as: directory.appendingPathComponent("\(name).safetensors"), change)
            let message = CommandLineTests.failure(["generate", "--checkpoint", file, "--prompt", "the", "--device", "cpu"])
            #expect(message?.hasPrefix(file + ": ") == true && message?.contains(expected) == true, "\(name): \(message ?? "")")
        }
        let text = directory.appendingPathComponent("tiny.txt").path
        let capital = directory.appendingPathComponent("capital.txt").path
        try String(repeating: "The " + Self.sentence, count: 30).write(toFile: capital, atomically: true, encoding: .utf8)
        #expect(
            CommandLineTests.failure(["evaluate", "--checkpoint", checkpoint, "--data", "chars:\(capital)", "--device", "cpu"])
                == "\(capital): character 'T' is none of the \(Set(Self.sentence).count) characters the model knows")
        let reviews = try TextCommandTests.reviews(in: directory).path
        #expect(
            CommandLineTests.failure(["evaluate", "--checkpoint", checkpoint, "--data", "text:\(reviews)", "--device", "cpu"])
                == "--data text:\(reviews): \(checkpoint) holds a char-lstm model, which does not read texts (text:PATH)")
        #expect(
            CommandLineTests.failure(["predict", "--checkpoint", checkpoint, "--text", "the", "--device", "cpu"])?
                .hasSuffix("holds a char-lstm model, not an lstm-text or gru-text one") == true)
        let out = directory.appendingPathComponent("other").path
        #expect(
            CommandLineTests.failure(["train", "--model", "mlp", "--data", "chars:\(text)", "--out", out])?
                .contains("--model char-lstm learns a chars:PATH text") == true)
        #expect(
            CommandLineTests.failure(["train", "--model", "char-lstm", "--data", "csv:\(CommandLineTests.iris)", "--out", out])?
                .contains("--model char-lstm learns a chars:PATH text") == true)
    }

    @Test func aLowTemperatureDrawsTheLargestLogit() throws {
        var generator = SeededGenerator(seed: 0)
        let draws = try (0..<100).map { _ in try TextGenerator.sample([1, 3, 2.9], temperature: 0.01, generator: &generator) }
        #expect(Set(draws) == [1])
        let even = try (0..<2000).map { _ in try TextGenerator.sample([0, 0], temperature: 1, generator: &generator) }
        #expect(abs(even.filter { $0 == 0 }.count - 1000) < 100)
    }
}
