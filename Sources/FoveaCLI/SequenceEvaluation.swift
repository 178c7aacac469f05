import Foundation
import Fovea

/// What `fovea evaluate` reports for a checkpoint that does not classify whole samples into a few classes: a series
/// model (test loss, then RMSE and MAE in the series' units next to the naive forecast's) or a char-lstm (test loss
/// and next-character accuracy); printed as `fovea train` printed them, or as JSON.
struct SequenceEvaluation: Codable {
    var model: String, data: String
    /// Test windows scored.
    var samples: Int
    /// The mean test loss: standardized MSE for a series, cross-entropy for characters.
    var loss: Float
    /// A char-lstm's next-character accuracy; nil for a series.
    var accuracy: Float?
    /// A series model's forecasts scored in the series' units; nil for characters.
    var forecast: ForecastScores?

    /// Tests `model` on `source`'s test part: a series' windows, or a text's character windows.
    init(model: some UnaryLayer, name: String, source: DataSource, batchSize: Int, device: Device) throws {
        let loader = try DataLoader(source.test, batchSize: batchSize, shuffle: false, device: device)
        let trainer = Trainer(
            model: model, optimizer: SGD(model.parameters), loss: source.isRegression ? MSELoss() : CrossEntropyLoss())
        let result = try trainer.evaluate(loader)
        (self.model, data, samples, loss) = (name, source.name, source.test.count, result.loss)
        if let windows = source.test as? SeriesWindows {
            forecast = try ForecastScores(model: model, windows: windows, batchSize: batchSize, device: device)
        } else {
            accuracy = result.accuracy
        }
    }

    /// The lines `fovea train` prints after testing a series model.
    static func forecastText(loss: Float, windows: Int, _ scores: ForecastScores) -> String {
        String(format: "test loss %.4f (standardized MSE); forecasts on %d test windows, in the series' units:\n", loss, windows)
            + scores.table
    }

    /// The report as people read it.
    var text: String {
        if let forecast { return "\(model) on \(data): " + Self.forecastText(loss: loss, windows: samples, forecast) }
        return "\(model) on \(data) test"
            + String(format: " (%d characters predicted): loss %.4f, accuracy %.2f%%", samples, loss, 100 * (accuracy ?? 0))
    }

    /// The report as JSON (snake_case keys, sorted).
    func json() throws -> Data { try ReportFiles.json(self) }

    /// Writes `report.json` into `folder`.
    func write(to folder: URL) throws {
        try ReportFiles.createFolder(folder)
        try AtomicFile.write(try json(), to: folder.appendingPathComponent("report.json"))
    }
}
