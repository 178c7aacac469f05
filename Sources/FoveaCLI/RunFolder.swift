import Foundation
import Fovea

/// A training run's folder: `config.json`, `metrics.jsonl` (one JSON object per epoch), `curves.svg`, `checkpoints/`.
final class RunFolder: TrainingCallback {
    let url: URL
    var checkpoints: URL { url.appendingPathComponent("checkpoints") }
    private var metricsFile: URL { url.appendingPathComponent("metrics.jsonl") }
    private var history: [EpochMetrics] = []

    /// Creates the folder and writes the configuration; when resuming, keeps the metrics already there.
    init(_ url: URL, configuration: [String: String], appending: Bool) throws {
        self.url = url
        try FileManager.default.createDirectory(at: checkpoints, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(configuration).write(to: url.appendingPathComponent("config.json"), options: .atomic)
        if appending, let text = try? String(contentsOf: metricsFile, encoding: .utf8) {
            history = text.split(separator: "\n").compactMap { try? JSONDecoder().decode(EpochMetrics.self, from: Data($0.utf8)) }
        } else {
            try Data().write(to: metricsFile, options: .atomic)
        }
    }

    func epochDidEnd(_ trainer: Trainer, metrics: EpochMetrics) throws {
        history.removeAll { $0.epoch >= metrics.epoch }
        history.append(metrics)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let lines = try history.map { String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(separator: "\n") + "\n"
        try Data(lines.utf8).write(to: metricsFile, options: .atomic)
        try Data(LearningCurves.svg(history).utf8).write(to: url.appendingPathComponent("curves.svg"), options: .atomic)
    }

    /// Appends the final test figures to `metrics.jsonl` as a `{"test_loss":..., "test_accuracy":...}` line.
    func recordTest(loss: Float, accuracy: Float) throws {
        let handle = try FileHandle(forWritingTo: metricsFile)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"test_accuracy\":\(accuracy),\"test_loss\":\(loss)}\n".utf8))
    }
}
