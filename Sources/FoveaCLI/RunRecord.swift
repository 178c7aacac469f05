import Foundation
import Fovea

/// What a finished (or interrupted) run folder says about itself: its configuration and its metrics.
struct RunRecord {
    let folder: URL
    let configuration: [String: String]
    /// Each epoch's metrics, in order (the last line for an epoch wins, as when a resumed run redid it).
    let history: [EpochMetrics]
    /// The final test figures, when the run got that far.
    let test: (loss: Float, accuracy: Float)?

    /// The folder's name.
    var name: String { folder.lastPathComponent }

    /// Reads `folder`'s `config.json` and `metrics.jsonl`.
    init(folder: URL) throws {
        self.folder = folder
        let config = folder.appendingPathComponent("config.json"), metrics = folder.appendingPathComponent("metrics.jsonl")
        guard FileManager.default.fileExists(atPath: config.path) else {
            throw FoveaError.badFile(path: folder.path, reason: "has no config.json: not a run folder of `fovea train`")
        }
        guard let configuration = try? JSONDecoder().decode([String: String].self, from: Data(contentsOf: config)) else {
            throw FoveaError.badFile(
                path: config.path, reason: "is not a JSON object of strings (the configuration `fovea train` writes)")
        }
        let lines: [Substring]
        do { lines = try String(contentsOf: metrics, encoding: .utf8).split(separator: "\n") } catch {
            throw FoveaError.file(metrics.path, error, doing: "cannot read the run's metrics")
        }
        var epochs: [Int: EpochMetrics] = [:]
        var test: (Float, Float)?
        for line in lines {
            if let epoch = try? JSONDecoder().decode(EpochMetrics.self, from: Data(line.utf8)) {
                epochs[epoch.epoch] = epoch
            } else if let figures = try? JSONDecoder().decode([String: Float].self, from: Data(line.utf8)),
                let loss = figures["test_loss"], let accuracy = figures["test_accuracy"]
            {
                test = (loss, accuracy)
            }
        }
        self.configuration = configuration
        history = epochs.keys.sorted().map { epochs[$0]! }
        self.test = test
    }
}
