import Foundation
import Fovea
import FoveaTestSupport
import Testing

@testable import FoveaCLI

/// `fovea summary` for the recurrent models, built for the input `fovea train` gives them: parameter counts computed
/// by hand (an LSTM has 4 gates of hidden x (input + hidden) weights and two biases each, a GRU 3, an RNN 1), sizes
/// from the options or from `--data`, and one-line errors for options a model does not take.
@Suite struct SummaryCommandTests {
    /// What `fovea summary ARGUMENTS` prints.
    static func summary(_ arguments: [String]) throws -> String {
        try #require(try FoveaCommand.parseAsRoot(["summary"] + arguments) as? SummaryCommand).text()
    }

    /// The "Total params" figure of `text`.
    static func total(_ text: String) -> Int? {
        text.split(separator: "\n").first { $0.hasPrefix("Total params: ") }
            .flatMap { Int($0.dropFirst("Total params: ".count).replacingOccurrences(of: ",", with: "")) }
    }

    @Test func everyRecurrentModelCountsItsParametersForTheOptionsTrainTakes() throws {
        let lstm = 4 * 32 * (1 + 32) + 2 * 4 * 32 + 32 + 1
        let cases: [([String], Int, String)] = [
            (["--model", "lstm", "--hidden", "32"], lstm, "rnn (LSTM)                [N, 24, 32]"),
            (
                ["--model", "gru", "--hidden", "32", "--window", "12"], 3 * 32 * 33 + 2 * 3 * 32 + 33,
                "rnn (GRU)                 [N, 12, 32]"
            ),
            (["--model", "rnn", "--hidden", "16"], 16 * 17 + 2 * 16 + 17, "head (Dense)              [N, 1]"),
            (
                ["--model", "lstm-text", "--vocabulary", "1000", "--hidden", "64"],
                1000 * 64 + 4 * 64 * 128 + 2 * 4 * 64 + 2 * 65,
                "embedding (Embedding)     [N, 48, 64]"
            ),
            (
                ["--model", "gru-text", "--vocabulary", "1000", "--hidden", "64"],
                1000 * 64 + 3 * 64 * 128 + 2 * 3 * 64 + 2 * 65,
                "gru (GRU)                 [N, 48, 64]"
            ),
            (
                ["--model", "char-lstm", "--vocabulary", "67", "--window", "32", "--hidden", "128"],
                67 * 64 + 4 * 128 * 192 + 2 * 4 * 128 + 67 * 129,
                "head (Dense)              [N, 67]"
            ),
            (
                [
                    "--model", "char-lstm", "--data", "chars:\(repositoryRoot.path)/data/pride-and-prejudice.txt", "--window",
                    "32", "--hidden", "128",
                ],
                67 * 64 + 4 * 128 * 192 + 2 * 4 * 128 + 67 * 129, "lstm (LSTM)               [N, 32, 128]"
            ),
            (
                ["--model", "lstm", "--data", "series:\(SeriesCommandTests.co2):ppm", "--window", "36", "--hidden", "32"], lstm,
                "rnn (LSTM)                [N, 36, 32]"
            ),
        ]
        for (arguments, parameters, row) in cases {
            let text = try Self.summary(arguments)
            #expect(Self.total(text) == parameters && text.contains(row), "\(arguments): \(text)")
        }
    }

    @Test func aTextFileGivesItsVocabularyAndClasses() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let reviews = try TextCommandTests.reviews(in: directory)
        // 12 words (the, film, and, plot and 8 of sentiment), padding and unknown; two classes.
        let text = try Self.summary(["--model", "lstm-text", "--data", "text:\(reviews.path)", "--hidden", "16"])
        #expect(Self.total(text) == 14 * 64 + 4 * 16 * 80 + 2 * 4 * 16 + 2 * 17, "\(text)")
    }

    @Test func optionsAModelDoesNotTakeGiveOneLineErrors() throws {
        let cases: [([String], String)] = [
            (
                ["--model", "lstm-text"],
                "--model lstm-text: needs the size of its vocabulary: --vocabulary N, or --data text:PATH"
            ),
            (
                ["--model", "char-lstm"],
                "--model char-lstm: needs the size of its vocabulary: --vocabulary N, or --data chars:PATH"
            ),
            (["--model", "mlp", "--window", "3"], "--window 3: only for --model lstm, gru, rnn and char-lstm"),
            (["--model", "lstm", "--vocabulary", "30"], "--vocabulary 30: only for --model lstm-text, gru-text and char-lstm"),
            (["--model", "lstm", "--window", "0"], "--window 0: must be a positive number of values"),
            (["--model", "lstm-text", "--vocabulary", "2"], "--vocabulary 2: must be from 3 to 1048576"),
            (
                ["--model", "lenet5", "--data", "series:\(SeriesCommandTests.co2):ppm"],
                "--data series:\(SeriesCommandTests.co2):ppm: sizes a recurrent model (--model char-lstm, gru, gru-text, lstm, lstm-text, rnn), not lenet5"
            ),
        ]
        for (arguments, expected) in cases {
            #expect(CommandLineTests.failure(["summary"] + arguments) == expected, "\(arguments)")
        }
    }
}
