import Foundation
import Fovea

/// Draws loss and accuracy per epoch as a two-panel SVG: a run's training and validation curves, or several runs'
/// validation curves overlaid (`fovea compare`).
enum LearningCurves {
    /// One curve: its legend, colour and (epoch, value) points.
    typealias Series = (name: String, color: String, points: [(epoch: Int, value: Double)])

    /// A run's training and validation loss and accuracy.
    static func svg(_ history: [EpochMetrics]) -> String {
        func series(_ name: String, _ color: String, _ value: (EpochMetrics) -> Float?) -> Series {
            (name, color, history.compactMap { metrics in value(metrics).map { (metrics.epoch, Double($0)) } })
        }
        return svg(
            loss: [series("train", "#1f77b4", \.trainLoss), series("validation", "#ff7f0e", \.validationLoss)],
            accuracy: [series("train", "#1f77b4", \.trainAccuracy), series("validation", "#ff7f0e", \.validationAccuracy)])
    }

    /// The validation loss and accuracy of several runs, named, in distinct colours.
    static func svg(comparing runs: [(name: String, history: [EpochMetrics])]) -> String {
        let colors = [
            "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
        ]
        func series(_ value: @escaping (EpochMetrics) -> Float?) -> [Series] {
            runs.enumerated().map { number, run in
                (
                    run.name, colors[number % colors.count],
                    run.history.compactMap { metrics in value(metrics).map { (metrics.epoch, Double($0)) } }
                )
            }
        }
        return svg(
            loss: series(\.validationLoss), accuracy: series(\.validationAccuracy),
            titles: ("validation loss", "validation accuracy"))
    }

    private static func svg(loss: [Series], accuracy: [Series], titles: (String, String) = ("loss", "accuracy")) -> String {
        let width = 900.0, height = 360.0
        let body =
            panel(title: titles.0, legendAtTop: true, x: 0, width: width / 2, height: height, series: loss)
            + panel(title: titles.1, legendAtTop: false, x: width / 2, width: width / 2, height: height, series: accuracy)
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            \(body)</svg>

            """
    }

    /// Loss falls and accuracy rises, so the legend goes where the curves usually are not: top right for loss,
    /// bottom right for accuracy.
    private static func panel(title: String, legendAtTop: Bool, x: Double, width: Double, height: Double, series: [Series])
        -> String
    {
        let left = x + 55, right = x + width - 15, top = 30.0, bottom = height - 40
        let values = series.flatMap { $0.points.map(\.value) }, epochs = series.flatMap { $0.points.map(\.epoch) }
        guard let low = values.min(), let high = values.max(), let firstEpoch = epochs.min(), let lastEpoch = epochs.max() else {
            return ""
        }
        let span = high - low > 1e-9 ? high - low : 1
        let (minY, maxY) = (low - 0.05 * span, high + 0.05 * span)
        let epochSpan = Double(max(lastEpoch - firstEpoch, 1))
        func px(_ epoch: Int) -> Double { left + (right - left) * Double(epoch - firstEpoch) / epochSpan }
        func py(_ value: Double) -> Double { bottom - (bottom - top) * (value - minY) / (maxY - minY) }
        var svg = "<text x=\"\(x + width / 2)\" y=\"18\" text-anchor=\"middle\" font-weight=\"bold\">\(title)</text>\n"
        svg += "<line x1=\"\(left)\" y1=\"\(bottom)\" x2=\"\(right)\" y2=\"\(bottom)\" stroke=\"#333\"/>"
        svg += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(bottom)\" stroke=\"#333\"/>\n"
        for tick in 0...4 {
            let value = minY + (maxY - minY) * Double(tick) / 4
            svg += "<text x=\"\(left - 6)\" y=\"\(py(value) + 4)\" text-anchor=\"end\">\(String(format: "%.3f", value))</text>\n"
        }
        let labelled = lastEpoch - firstEpoch + 1
        for epoch in firstEpoch...lastEpoch where labelled <= 20 || (epoch - firstEpoch) % (labelled / 10) == 0 {
            svg += "<text x=\"\(px(epoch))\" y=\"\(bottom + 16)\" text-anchor=\"middle\">\(epoch + 1)</text>\n"
        }
        svg += "<text x=\"\((left + right) / 2)\" y=\"\(height - 8)\" text-anchor=\"middle\">epoch</text>\n"
        for (number, line) in series.enumerated() where !line.points.isEmpty {
            let points = line.points.map { "\(px($0.epoch)),\(py($0.value))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"2\" points=\"\(points)\"/>\n"
            let legendY = legendAtTop ? top + 14 * Double(number + 1) : bottom - 10 - 14 * Double(series.count - 1 - number)
            svg +=
                "<text x=\"\(right - 8)\" y=\"\(legendY)\" text-anchor=\"end\" fill=\"\(line.color)\">\(line.name.xmlEscaped)</text>\n"
        }
        return svg
    }
}
