import Foundation

/// How a classifier did on labelled data, as scikit-learn's `confusion_matrix` and `classification_report` say it:
/// the confusion matrix, per-class precision, recall, F1 and support, their macro and weighted averages, accuracy
/// and top-k accuracy. A ratio with a zero denominator (a class never predicted) counts as 0, as scikit-learn's does.
public struct ClassificationReport: Codable, Sendable, Equatable {
    /// One class's scores.
    public struct Scores: Codable, Sendable, Equatable {
        /// Of the samples predicted as the class, the fraction that are; of those that are, the fraction found;
        /// and the harmonic mean of the two.
        public var precision: Double, recall: Double, f1: Double
        /// How many samples truly are of the class (for averages: of all classes).
        public var support: Int
    }

    /// The classes' names, in class order; they label the matrix's rows and columns.
    public let classNames: [String]
    /// `confusion[t][p]`: how many samples of true class `t` were predicted as `p`.
    public let confusion: [[Int]]
    /// Per class, in class order.
    public let classes: [Scores]
    /// The unweighted mean of the classes' scores.
    public let macroAverage: Scores
    /// The mean of the classes' scores weighted by their support.
    public let weightedAverage: Scores
    /// The fraction of samples predicted right.
    public let accuracy: Double
    /// The `k` of `topKAccuracy`, and the fraction whose true class is among the `k` most probable; nil when `k` is
    /// not below the class count (where it is always 1).
    public let topK: Int?, topKAccuracy: Double?

    /// The report of `predicted` against `labels` (class numbers below `classNames.count`); `inTopK`, when given,
    /// says per sample whether its true class is among the `topK` most probable.
    public init(labels: [Int], predicted: [Int], classNames: [String], topK: Int? = nil, inTopK: [Bool]? = nil) {
        precondition(
            labels.count == predicted.count, "ClassificationReport: \(labels.count) labels for \(predicted.count) predictions")
        let count = classNames.count
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: count), count: count)
        for (label, guess) in zip(labels, predicted) { confusion[label][guess] += 1 }
        func ratio(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 0 : Double(part) / Double(whole) }
        let classes = (0..<count).map { c -> Scores in
            let hits = confusion[c][c], support = confusion[c].reduce(0, +), predictedAs = confusion.reduce(0) { $0 + $1[c] }
            let precision = ratio(hits, predictedAs), recall = ratio(hits, support)
            let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
            return Scores(precision: precision, recall: recall, f1: f1, support: support)
        }
        let total = labels.count
        func average(_ weight: (Scores) -> Double) -> Scores {
            let weights = classes.map(weight), sum = weights.reduce(0, +)
            func mean(_ value: (Scores) -> Double) -> Double {
                sum == 0 ? 0 : zip(classes, weights).reduce(0) { $0 + value($1.0) * $1.1 } / sum
            }
            return Scores(precision: mean(\.precision), recall: mean(\.recall), f1: mean(\.f1), support: total)
        }
        self.classNames = classNames
        self.confusion = confusion
        self.classes = classes
        macroAverage = average { _ in 1 }
        weightedAverage = average { Double($0.support) }
        accuracy = ratio((0..<count).reduce(0) { $0 + confusion[$1][$1] }, total)
        if let topK, topK < count, let inTopK {
            (self.topK, topKAccuracy) = (topK, ratio(inTopK.filter { $0 }.count, total))
        } else {
            (self.topK, topKAccuracy) = (nil, nil)
        }
    }

    /// The report of `predictions`, with the top-`topK` accuracy.
    public init(_ predictions: Predictions, classNames: [String], topK: Int = 5) {
        self.init(
            labels: predictions.labels, predicted: predictions.predicted, classNames: classNames, topK: topK,
            inTopK: topK < classNames.count ? predictions.isInTop(topK) : nil)
    }

    /// The confusion matrix with the class names as row (true) and column (predicted) labels.
    public var confusionTable: String {
        let header = "true \\ predicted"
        let rowWidth = max(header.count, classNames.map(\.count).max() ?? 0)
        let widths = classNames.indices.map { c in max(classNames[c].count, String(confusion.map { $0[c] }.max() ?? 0).count) }
        func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        var lines = [pad(header, rowWidth) + zip(classNames, widths).map { "  " + pad($0, $1) }.joined()]
        for (name, row) in zip(classNames, confusion) {
            lines.append(pad(name, rowWidth) + zip(row, widths).map { "  " + pad(String($0), $1) }.joined())
        }
        return lines.joined(separator: "\n")
    }

    /// Precision, recall, F1 and support per class, then accuracy, top-k accuracy and the averages, laid out as
    /// scikit-learn's `classification_report`.
    public var scoresTable: String {
        let width = max(14 + String(topK ?? 1).count, classNames.map(\.count).max() ?? 0)
        func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        func row(_ name: String, _ scores: Scores) -> String {
            pad(name, width)
                + String(format: "  %9.4f  %9.4f  %9.4f  %9d", scores.precision, scores.recall, scores.f1, scores.support)
        }
        var lines = [
            pad("", width) + "  " + ["precision", "recall", "f1-score", "support"].map { pad($0, 9) }.joined(separator: "  "), "",
        ]
        lines += zip(classNames, classes).map(row)
        lines.append("")
        let total = macroAverage.support
        lines.append(pad("accuracy", width) + pad(String(format: "%.4f", accuracy), 35) + String(format: "  %9d", total))
        if let topK, let topKAccuracy {
            lines.append(
                pad("top-\(topK) accuracy", width) + pad(String(format: "%.4f", topKAccuracy), 35)
                    + String(format: "  %9d", total))
        }
        lines.append(row("macro avg", macroAverage))
        lines.append(row("weighted avg", weightedAverage))
        return lines.joined(separator: "\n")
    }
}
