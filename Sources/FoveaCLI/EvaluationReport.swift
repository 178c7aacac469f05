import Foundation
import Fovea

/// What `fovea evaluate` reports: loss and accuracy, the classification report and the most confidently wrong
/// samples; printed as tables or JSON, and written as a folder with `--report`.
struct EvaluationReport: Codable {
    /// A misclassified sample: its index in the test split, its true and predicted classes, the predicted one's probability.
    struct Mistake: Codable {
        var index: Int, trueClass: String, predictedClass: String, confidence: Float
    }

    var model: String, data: String, samples: Int, loss: Float
    var report: ClassificationReport
    /// The most confident mistakes first.
    var mistakes: [Mistake]

    /// How many of the most confident mistakes are kept (and drawn).
    static let mistakeCount = 16

    init(model: String, data: String, loss: Float, predictions: Predictions, classNames: [String], topK: Int) {
        let names = classNames.count == predictions.classes ? classNames : (0..<predictions.classes).map(String.init)
        (self.model, self.data, samples, self.loss) = (model, data, predictions.count, loss)
        report = ClassificationReport(predictions, classNames: names, topK: topK)
        mistakes = predictions.mistakesByConfidence.prefix(Self.mistakeCount).map { row in
            Mistake(
                index: predictions.indices[row], trueClass: names[predictions.labels[row]],
                predictedClass: names[predictions.predicted[row]], confidence: predictions.confidence(row))
        }
    }

    /// The report as people read it: the matrix (up to 20 classes), the scores, the five most confident mistakes.
    var text: String {
        var parts = [
            String(
                format: "%@ on %@ test (%d samples): loss %.4f, accuracy %.2f%%", model, data, samples, loss,
                100 * report.accuracy)
        ]
        parts.append(
            report.classNames.count <= 20
                ? "confusion matrix (rows: true class, columns: predicted)\n" + report.confusionTable
                : "confusion matrix: \(report.classNames.count) classes, too many for a terminal; see --report DIR or --json")
        parts.append(report.scoresTable)
        if !mistakes.isEmpty {
            parts.append(
                "most confidently wrong (test sample: true class taken for predicted, probability):\n"
                    + mistakes.prefix(5).map {
                        String(
                            format: "  #%d: %@ taken for %@, %.1f%%", $0.index, $0.trueClass, $0.predictedClass,
                            100 * $0.confidence)
                    }.joined(separator: "\n"))
        }
        return parts.joined(separator: "\n\n")
    }

    /// The report as JSON (snake_case keys, sorted).
    func json() throws -> Data { try ReportFiles.json(self) }

    /// Writes `report.json`, `confusion_matrix.svg` and, for images, `mistakes.png` (the most confidently wrong test
    /// images, most confident first, left to right) into `folder`.
    func write(to folder: URL, test: any Dataset) throws {
        try ReportFiles.createFolder(folder)
        try AtomicFile.write(try json(), to: folder.appendingPathComponent("report.json"))
        try AtomicFile.write(Data(ConfusionMatrixSVG.svg(report).utf8), to: folder.appendingPathComponent("confusion_matrix.svg"))
        guard test.sampleShape.rank == 3, !mistakes.isEmpty else { return }
        let grid = ImageGrid.tile(try mistakes.map { try test[$0.index].features }, shape: test.sampleShape)
        try AtomicFile.write(
            try PNG.encode(values: grid.values, shape: grid.shape), to: folder.appendingPathComponent("mistakes.png"))
    }
}
