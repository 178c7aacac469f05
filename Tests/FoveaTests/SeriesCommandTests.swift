import Foundation
import Fovea
import FoveaTestSupport
import Testing

@testable import FoveaCLI

/// `fovea train --model lstm|gru|rnn --data series:PATH:COLUMN`: a regression whose last metrics line scores the
/// forecasts next to the naive forecast's, on the committed Mauna Loa CO2 series; options that do not fit are refused.
@Suite struct SeriesCommandTests {
    static let co2 = repositoryRoot.appendingPathComponent("data/co2.csv").path

    /// The README's command: with windows relative to their last value (the default), both halve the naive forecast's errors.
    @Test(arguments: ["gru", "lstm"]) func aRecurrentModelForecastsTheCO2SeriesFarBetterThanTheNaiveForecast(model: String) throws
    {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("run")
        try CommandLineTests.fovea([
            "train", "--model", model, "--data", "series:\(Self.co2):ppm", "--window", "24", "--horizon", "1",
            "--hidden", "32", "--epochs", "30", "--lr", "0.01", "--device", "cpu", "--out", out.path,
        ])
        let lines = try String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        let last = try #require(try JSONSerialization.jsonObject(with: Data(lines.last!.utf8)) as? [String: Double])
        #expect(Set(last.keys) == ["test_loss", "test_rmse", "test_mae", "naive_rmse", "naive_mae"])
        #expect(try #require(last["test_rmse"]) < 0.5 * #require(last["naive_rmse"]))
        #expect(try #require(last["test_mae"]) < 0.5 * #require(last["naive_mae"]))
        let config = try JSONDecoder().decode(
            [String: String].self, from: Data(contentsOf: out.appendingPathComponent("config.json")))
        #expect(
            config["window"] == "24" && config["horizon"] == "1" && config["model"] == model
                && config["series_inputs"] == "relative")

        // fovea evaluate scores the checkpoint's own test part as training did; another file is cut and scaled alike.
        let checkpoint = out.appendingPathComponent("checkpoints/last.safetensors").path
        let scores = try Self.evaluate(["--checkpoint", checkpoint], report: directory.appendingPathComponent("report"))
        for key in ["test_rmse", "test_mae", "naive_rmse", "naive_mae"] {
            #expect(abs(try #require(scores[key]) - last[key]!) < 1e-4 * last[key]!, "\(key): \(scores) against \(last)")
        }
        #expect(abs(try #require(scores["loss"]) - last["test_loss"]!) < 1e-4 * last["test_loss"]! && scores["samples"] == 94)
        let renamed = directory.appendingPathComponent("renamed.csv")
        try String(contentsOfFile: Self.co2, encoding: .utf8).replacingOccurrences(of: "month,ppm", with: "month,co2")
            .write(to: renamed, atomically: true, encoding: .utf8)
        let other = try Self.evaluate(
            ["--checkpoint", checkpoint, "--data", "series:\(renamed.path):co2"],
            report: directory.appendingPathComponent("other"))
        #expect(
            other["test_rmse"] == scores["test_rmse"] && other["naive_mae"] == scores["naive_mae"], "\(other) against \(scores)")
    }

    /// The figures of `fovea evaluate ARGUMENTS --report FOLDER --device cpu`, from its report.json: the loss, the
    /// windows scored and the forecast's scores (`test_rmse`, ..., `naive_mae`).
    static func evaluate(_ arguments: [String], report: URL) throws -> [String: Double] {
        try CommandLineTests.fovea(["evaluate"] + arguments + ["--report", report.path, "--device", "cpu"])
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: report.appendingPathComponent("report.json")))
                as? [String: Any])
        let forecast = try #require(json["forecast"] as? [String: Double])
        return [
            "loss": try #require(json["loss"] as? Double), "samples": try #require(json["samples"] as? Double),
            "test_rmse": try #require(forecast["rmse"]), "test_mae": try #require(forecast["mae"]),
            "naive_rmse": try #require(forecast["naive_rmse"]), "naive_mae": try #require(forecast["naive_mae"]),
        ]
    }

    /// The folder `run` in `directory` of a one-epoch rnn (window 12, 8 units) on co2, trained with `options` too.
    static func trainSmallRNN(_ options: [String], in directory: URL) throws -> URL {
        let out = directory.appendingPathComponent("run")
        try CommandLineTests.fovea(
            [
                "train", "--model", "rnn", "--data", "series:\(Self.co2):ppm", "--window", "12", "--hidden", "8",
                "--epochs", "1", "--device", "cpu", "--out", out.path,
            ] + options)
        return out
    }

    @Test func aSeriesRunResumesWithItsOwnWindowAndHorizon() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = try Self.trainSmallRNN(["--horizon", "3"], in: directory)
        try CommandLineTests.fovea(["train", "--resume", out.path, "--epochs", "2"])
        let lines = try String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        let epochs = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }.compactMap {
            $0["epoch"] as? Int
        }
        #expect(epochs == [0, 1])
        #expect(lines.last?.contains("\"naive_rmse\"") == true)
        for option in [["--window", "24"], ["--series-inputs", "absolute"]] {
            let message = CommandLineTests.failure(["train", "--resume", out.path] + option + ["--epochs", "3"])
            #expect(message?.contains("\(option.joined(separator: " ")): the run") == true, "\(message ?? "")")
        }
        // evaluate cuts the series with the run's window 12 and horizon 3, and refuses data a series model does not read.
        let checkpoint = out.appendingPathComponent("checkpoints/last.safetensors").path
        let last = try #require(try JSONSerialization.jsonObject(with: Data(lines.last!.utf8)) as? [String: Double])
        let scores = try Self.evaluate(["--checkpoint", checkpoint], report: directory.appendingPathComponent("report"))
        #expect(abs(try #require(scores["naive_rmse"]) - last["naive_rmse"]!) < 1e-5 * last["naive_rmse"]!)
        #expect(
            CommandLineTests.failure([
                "evaluate", "--checkpoint", checkpoint, "--data", "csv:\(CommandLineTests.iris)", "--device", "cpu",
            ])
                == "--data csv:\(CommandLineTests.iris): \(checkpoint) holds a rnn model, which reads a series (series:PATH:COLUMN)"
        )
    }

    /// A run and checkpoint from before `series_inputs` (no such key) read levels as they did: resumed, predicted and
    /// evaluated alike; the key, when there, is what decides.
    @Test func aRunAndCheckpointWithoutSeriesInputsReadLevelsAsBefore() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = try Self.trainSmallRNN(["--series-inputs", "absolute"], in: directory)
        let configURL = out.appendingPathComponent("config.json")
        var config = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: configURL))
        #expect(config.removeValue(forKey: "series_inputs") == "absolute")
        try JSONEncoder().encode(config).write(to: configURL)
        try CommandLineTests.fovea(["train", "--resume", out.path, "--epochs", "2"])
        let checkpoint = out.appendingPathComponent("checkpoints/last.safetensors")
        #expect(try Safetensors.read(from: checkpoint).metadata["series_inputs"] == "absolute")

        let older = try SequencePredictTests.doctor(checkpoint, as: directory.appendingPathComponent("older.safetensors")) {
            $0.removeValue(forKey: "series_inputs")
        }
        let options = try SequencePredictTests.options(checkpoint)
        let olderOptions = try SequencePredictTests.options(URL(fileURLWithPath: older))
        let forecast = try SequencePrediction.forecast(Self.co2, column: nil, checkpoint: options)
        #expect(try SequencePrediction.forecast(Self.co2, column: nil, checkpoint: olderOptions).value == forecast.value)
        let scores = try Self.evaluate(["--checkpoint", checkpoint.path], report: directory.appendingPathComponent("report"))
        #expect(try Self.evaluate(["--checkpoint", older], report: directory.appendingPathComponent("older-report")) == scores)
        let relative = try SequencePredictTests.doctor(checkpoint, as: directory.appendingPathComponent("relative.safetensors")) {
            $0["series_inputs"] = "relative"
        }
        let relativeForecast = try SequencePrediction.forecast(
            Self.co2, column: nil, checkpoint: SequencePredictTests.options(URL(fileURLWithPath: relative)))
        #expect(relativeForecast.value != forecast.value)
    }

    @Test func optionsThatDoNotFitASeriesAreRefused() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("run").path
        let series = "series:\(Self.co2):ppm"
        let cases: [([String], String)] = [
            (["--model", "lenet5", "--data", series], "forecasts a series"),
            (["--model", "lstm", "--data", "csv:\(CommandLineTests.iris)"], "forecasts a series"),
            (["--model", "mlp", "--data", "csv:\(CommandLineTests.iris)", "--window", "4"], "--window: only for --data series"),
            (
                ["--model", "mlp", "--data", "csv:\(CommandLineTests.iris)", "--series-inputs", "absolute"],
                "--series-inputs: only for --data series"
            ),
            (
                ["--model", "lstm", "--data", series, "--series-inputs", "sideways"],
                "--series-inputs sideways: use relative or absolute"
            ),
            (["--model", "lstm", "--data", series, "--augment"], "--augment: not for series:"),
            (["--model", "lstm", "--data", "series:\(Self.co2):co2"], "no column named 'co2'"),
            (["--model", "lstm", "--data", series, "--window", "400"], "too few"),
            (["--model", "lstm", "--data", "series:\(Self.co2)"], "--data"),
        ]
        for (arguments, expected) in cases {
            let message = CommandLineTests.failure(["train"] + arguments + ["--epochs", "1", "--out", out])
            #expect(message?.contains(expected) == true, "\(arguments): \(message ?? "")")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }
}
