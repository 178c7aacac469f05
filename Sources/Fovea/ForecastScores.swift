import Foundation

/// A forecaster's errors on a series' windows next to the naive forecast's (the window's last value), in the
/// series' own units: root mean squared and mean absolute error.
public struct ForecastScores: Sendable, Equatable, Codable {
    public var rmse: Float, mae: Float
    public var naiveRMSE: Float, naiveMAE: Float

    /// Runs `model` (in evaluation mode, without gradients) on every window of `windows`, in batches of `batchSize`.
    public init(model: some UnaryLayer, windows: SeriesWindows, batchSize: Int = 256, device: Device) throws {
        let loader = try DataLoader(windows, batchSize: batchSize, shuffle: false, device: device)
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        var predictions: [Float] = []
        try withNoGrad {
            var batches = loader.batches(epoch: 0)
            while let batch = try batches.nextBatch() { predictions += try model(batch.inputs).toArray() }
        }
        // Forecasts and targets in standardized units, whatever the windows are measured from.
        let origins = (0..<windows.count).map(windows.origin(at:))
        let targets = (0..<windows.count).map { windows.regressionTarget(at: $0)! + origins[$0] }
        let naive = (0..<windows.count).map(windows.lastKnown(at:))
        guard predictions.count == targets.count else {
            throw FoveaError.invalidArgument(
                "ForecastScores: the model gave \(predictions.count) values for \(targets.count) windows (one each)")
        }
        predictions = zip(predictions, origins).map(+)
        let scale = windows.standardDeviation
        func scores(_ forecasts: [Float]) -> (rmse: Float, mae: Float) {
            let errors = zip(forecasts, targets).map { Double(($0 - $1) * scale) }
            let count = Double(errors.count)
            return (
                Float((errors.reduce(0) { $0 + $1 * $1 } / count).squareRoot()), Float(errors.reduce(0) { $0 + abs($1) } / count)
            )
        }
        (rmse, mae) = scores(predictions)
        (naiveRMSE, naiveMAE) = scores(naive)
    }

    /// The figures side by side, as `fovea train` prints them.
    public var table: String {
        func row(_ cells: [String]) -> String {
            zip(cells, [6, 12, 20]).map { $0.count >= $1 ? $0 : String(repeating: " ", count: $1 - $0.count) + $0 }.joined(
                separator: " ")
        }
        return [
            row(["", "model", "naive (last value)"]),
            row(["RMSE", String(format: "%.4f", rmse), String(format: "%.4f", naiveRMSE)]),
            row(["MAE", String(format: "%.4f", mae), String(format: "%.4f", naiveMAE)]),
        ].joined(separator: "\n")
    }
}
