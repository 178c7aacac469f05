import Foundation
import Fovea

/// Draws loss and accuracy per epoch (train and validation) as a two-panel SVG.
enum LearningCurves {
    static func svg(_ history: [EpochMetrics]) -> String {
        let width = 900.0, height = 360.0
        var body = ""
        body += panel(title: "loss", x: 0, width: width / 2, height: height, series: [
            ("train", "#1f77b4", history.map { Double($0.trainLoss) }),
            ("validation", "#ff7f0e", history.compactMap { $0.validationLoss.map(Double.init) }),
        ], epochs: history.map(\.epoch))
        body += panel(title: "accuracy", x: width / 2, width: width / 2, height: height, series: [
            ("train", "#1f77b4", history.map { Double($0.trainAccuracy) }),
            ("validation", "#ff7f0e", history.compactMap { $0.validationAccuracy.map(Double.init) }),
        ], epochs: history.map(\.epoch))
        return """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        \(body)</svg>

        """
    }

    private static func panel(title: String, x: Double, width: Double, height: Double,
                              series: [(name: String, color: String, values: [Double])], epochs: [Int]) -> String {
        let left = x + 55, right = x + width - 15, top = 30.0, bottom = height - 40
        let all = series.flatMap(\.values)
        guard let low = all.min(), let high = all.max(), let firstEpoch = epochs.first, let lastEpoch = epochs.last else { return "" }
        let span = high - low > 1e-9 ? high - low : 1
        let (minY, maxY) = (low - 0.05 * span, high + 0.05 * span)
        let epochSpan = Double(max(lastEpoch - firstEpoch, 1))
        func px(_ index: Int) -> Double { left + (right - left) * Double(epochs[index] - firstEpoch) / epochSpan }
        func py(_ value: Double) -> Double { bottom - (bottom - top) * (value - minY) / (maxY - minY) }
        var svg = "<text x=\"\(x + width / 2)\" y=\"18\" text-anchor=\"middle\" font-weight=\"bold\">\(title)</text>\n"
        svg += "<line x1=\"\(left)\" y1=\"\(bottom)\" x2=\"\(right)\" y2=\"\(bottom)\" stroke=\"#333\"/>"
        svg += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(bottom)\" stroke=\"#333\"/>\n"
        for tick in 0...4 {
            let value = minY + (maxY - minY) * Double(tick) / 4
            svg += "<text x=\"\(left - 6)\" y=\"\(py(value) + 4)\" text-anchor=\"end\">\(String(format: "%.3f", value))</text>\n"
        }
        for (index, epoch) in epochs.enumerated() where epochs.count <= 20 || index % (epochs.count / 10) == 0 {
            svg += "<text x=\"\(px(index))\" y=\"\(bottom + 16)\" text-anchor=\"middle\">\(epoch + 1)</text>\n"
        }
        svg += "<text x=\"\((left + right) / 2)\" y=\"\(height - 8)\" text-anchor=\"middle\">epoch</text>\n"
        for (number, line) in series.enumerated() where !line.values.isEmpty {
            let points = line.values.enumerated().map { "\(px($0.offset)),\(py($0.element))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"2\" points=\"\(points)\"/>\n"
            // Loss falls and accuracy rises, so the legend goes where the curves usually are not.
            let legendY = title == "accuracy" ? bottom - 10 - 14 * Double(series.count - 1 - number) : top + 14 * Double(number + 1)
            svg += "<text x=\"\(right - 80)\" y=\"\(legendY)\" fill=\"\(line.color)\">\(line.name)</text>\n"
        }
        return svg
    }
}
