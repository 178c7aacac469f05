import Foundation
import Fovea

/// `fovea predict --text` and `--series`: a sequence checkpoint applied to raw input, encoded as in training with
/// the `SequenceEncoding` saved in it.
enum SequencePrediction {
    /// Classifies `text` with an lstm-text or gru-text checkpoint: tokenized, truncated to its last words and padded as in
    /// training. Gives every class's probability and the lines `predict` prints: how many of the text's words the
    /// vocabulary knows, then the `top` most probable classes.
    static func classify(_ text: String, checkpoint: CheckpointOptions, top: Int) throws -> (
        probabilities: [Float], lines: [String]
    ) {
        let (model, spec) = try LoadedModel.load(checkpoint)
        guard case .words(let vocabulary) = spec.encoding, spec.inputShape.rank == 1 else {
            throw FoveaError.invalidArgument(
                "--text: \(checkpoint.checkpoint) "
                    + (Models.textClassifiers.contains(spec.name)
                        ? "does not hold its vocabulary (saved by an older fovea train): train it again"
                        : "holds a \(spec.name) model, not an lstm-text or gru-text one"))
        }
        let ids = vocabulary.encode(text, length: spec.inputShape[0])
        let words = ids.filter { $0 != Vocabulary.padding }
        let known = "\(words.filter { $0 != Vocabulary.unknown }.count) of the \(words.count) words read are in the vocabulary"
        let batch = try Tensor(ids.map(Float.init), shape: [1, ids.count], device: try checkpoint.resolvedDevice())
        let probabilities = try withNoGrad { try model(batch).softmax(axis: -1) }.toArray()
        return (probabilities, [known] + PredictCommand.topLines(probabilities, classNames: spec.classNames, top: top))
    }

    /// Forecasts the value after the last window of column `column` (default: the checkpoint's) of the CSV file
    /// `path` with a series checkpoint, standardized and un-scaled with the training part's statistics (and measured
    /// from the window's last value when the model was trained so); gives the forecast and the line `predict` prints.
    static func forecast(_ path: String, column: String?, checkpoint: CheckpointOptions) throws -> (value: Float, line: String) {
        let (model, spec) = try LoadedModel.load(checkpoint)
        guard case let .series(trainedColumn, mean, deviation, horizon, relative) = spec.encoding, spec.inputShape.rank == 2,
            spec.inputShape[1] == 1, spec.classes == 1
        else {
            throw FoveaError.invalidArgument(
                "--series: \(checkpoint.checkpoint) holds a \(spec.name) model without a series' "
                    + "standardization (one trained with --data series:PATH:COLUMN has it)")
        }
        let name = column ?? trainedColumn, window = spec.inputShape[0]
        let values = try TimeSeries.read(csv: URL(fileURLWithPath: path), column: name).values
        guard values.count >= window else {
            throw FoveaError.badFile(
                path: path, reason: "column '\(name)' holds \(values.count) values; the model reads windows of \(window)")
        }
        let standardized = values.suffix(window).map { ($0 - mean) / deviation }
        let origin = relative ? standardized.last! : 0
        let batch = try Tensor(standardized.map { $0 - origin }, shape: [1, window, 1], device: try checkpoint.resolvedDevice())
        let forecast = (try withNoGrad { try model(batch) }.toArray()[0] + origin) * deviation + mean
        guard forecast.isFinite else {
            throw FoveaError.invalidArgument(
                "\(path): the forecast is not finite (values far outside the training range, mean \(mean), deviation \(deviation))"
            )
        }
        return (
            forecast,
            String(
                format: "%@ %d step%@ after the last of %d values: %.6g", name, horizon, horizon == 1 ? "" : "s", values.count,
                forecast)
        )
    }
}
