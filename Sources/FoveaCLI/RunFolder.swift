import Foundation
import Fovea

/// A training run's folder: `config.json`, `metrics.jsonl` (one JSON object per epoch), `curves.svg`, `checkpoints/`,
/// and `tb/` when TensorBoard event files go there (`fovea train --tensorboard`).
/// Every file is replaced atomically (written as `.NAME.TOKEN.tmp`, then renamed), so a killed run leaves each file
/// whole; the next run in the folder removes the temporary files (`Checkpoint.recover`).
final class RunFolder: TrainingCallback {
    let url: URL
    var checkpoints: URL { url.appendingPathComponent("checkpoints") }
    private var metricsFile: URL { url.appendingPathComponent("metrics.jsonl") }
    private var history: [EpochMetrics] = []
    /// The files and folders a run writes, which `--overwrite` removes.
    static let contents = ["config.json", "metrics.jsonl", "curves.svg", "checkpoints", "tb"]

    /// Creates the folder and writes the configuration; when resuming, keeps the metrics already there.
    init(_ url: URL, configuration: [String: String], appending: Bool) throws {
        self.url = url
        do {
            try FileManager.default.createDirectory(at: checkpoints, withIntermediateDirectories: true)
        } catch {
            throw FoveaError.file(url.path, error, doing: "cannot create the run folder")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(configuration), to: url.appendingPathComponent("config.json"))
        if appending, let text = try? String(contentsOf: metricsFile, encoding: .utf8) {
            history = text.split(separator: "\n").compactMap { try? JSONDecoder().decode(EpochMetrics.self, from: Data($0.utf8)) }
        } else {
            try AtomicFile.write(Data(), to: metricsFile)
        }
    }

    /// Checks that `url` can hold a new run: it is not a file, and unless `overwrite`, holds no earlier run (with
    /// `overwrite`, that run's files are removed; other files are left alone).
    static func prepareNew(_ url: URL, overwrite: Bool) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else { throw FoveaError.invalidArgument("--out \(url.path): is a file, not a run folder") }
        try Checkpoint.recover(directory: url)
        let present = contents.filter { FileManager.default.fileExists(atPath: url.appendingPathComponent($0).path) }
        guard !present.isEmpty else { return }
        guard overwrite else {
            throw FoveaError.invalidArgument(
                "--out \(url.path): holds a run already (\(present.joined(separator: ", "))); continue it with "
                    + "--resume \(url.path), or replace it with --overwrite")
        }
        for name in present {
            do { try FileManager.default.removeItem(at: url.appendingPathComponent(name)) } catch {
                throw FoveaError.file(url.appendingPathComponent(name).path, error, doing: "cannot remove the earlier run's file")
            }
        }
    }

    func epochDidEnd(_ trainer: Trainer, metrics: EpochMetrics) throws {
        history.removeAll { $0.epoch >= metrics.epoch }
        history.append(metrics)
        let lines =
            try history.map { String(decoding: try Self.encoder.encode($0), as: UTF8.self) }.joined(separator: "\n") + "\n"
        try AtomicFile.write(Data(lines.utf8), to: metricsFile)
        try AtomicFile.write(Data(LearningCurves.svg(history).utf8), to: url.appendingPathComponent("curves.svg"))
    }

    /// Appends the final test figures to `metrics.jsonl` as a `{"test_loss":..., "test_accuracy":...}` line.
    func recordTest(loss: Float, accuracy: Float) throws {
        try append(["test_accuracy": Self.number(accuracy), "test_loss": Self.number(loss)])
    }

    /// Appends a series' test figures: `{"naive_mae":...,"naive_rmse":...,"test_loss":...,"test_mae":...,"test_rmse":...}`.
    func recordForecast(loss: Float, _ scores: ForecastScores) throws {
        try append([
            "test_loss": Self.number(loss), "test_rmse": Self.number(scores.rmse), "test_mae": Self.number(scores.mae),
            "naive_rmse": Self.number(scores.naiveRMSE), "naive_mae": Self.number(scores.naiveMAE),
        ])
    }

    /// Appends `{"diverged":true,"epoch":E,"batch":B,"train_loss":"NaN"}` (epochs from 0; no batch: at the epoch's end).
    func recordDivergence(_ divergence: TrainingDiverged) throws {
        var fields = ["diverged": "true", "epoch": String(divergence.epoch), "train_loss": Self.number(divergence.loss)]
        if let batch = divergence.batch { fields["batch"] = String(batch) }
        try append(fields)
    }

    /// Appends one JSON object whose values are already JSON text.
    private func append(_ fields: [String: String]) throws {
        let line = "{" + fields.keys.sorted().map { "\"\($0)\":\(fields[$0]!)" }.joined(separator: ",") + "}\n"
        let existing = (try? Data(contentsOf: metricsFile)) ?? Data()
        try AtomicFile.write(existing + Data(line.utf8), to: metricsFile)
    }

    /// A Float as JSON: a number, or a string for NaN and the infinities (which JSON numbers cannot hold).
    private static func number(_ value: Float) -> String {
        value.isFinite ? "\(value)" : "\"\(value.isNaN ? "NaN" : value > 0 ? "Infinity" : "-Infinity")\""
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }()
}
