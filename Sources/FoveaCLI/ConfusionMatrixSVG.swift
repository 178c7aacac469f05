import Foundation
import Fovea

/// Draws a confusion matrix as SVG: one cell per (true, predicted) pair shaded by the fraction of the true class's
/// samples it holds, with the count written in it when the cells are large enough, and the class names on both axes.
enum ConfusionMatrixSVG {
    static func svg(_ report: ClassificationReport) -> String {
        let names = report.classNames, count = names.count
        let cell = max(6.0, min(44.0, 640.0 / Double(max(count, 1))))
        let labelWidth = 8.0 * Double(names.map(\.count).max() ?? 1) + 16
        // Column labels are turned 45 degrees: they rise and reach right by about 0.7 of their length.
        let left = labelWidth + 24, top = 0.75 * labelWidth + 36
        let width = left + cell * Double(count) + 0.75 * labelWidth, height = top + cell * Double(count) + 20
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(left)" y="16" font-weight="bold">confusion matrix (rows: true class, columns: predicted)</text>

            """
        for (t, row) in report.confusion.enumerated() {
            let support = max(row.reduce(0, +), 1)
            let y = top + cell * Double(t)
            svg += "<text x=\"\(left - 6)\" y=\"\(y + cell / 2 + 4)\" text-anchor=\"end\">\(names[t].xmlEscaped)</text>\n"
            for (p, value) in row.enumerated() {
                let share = Double(value) / Double(support)
                let x = left + cell * Double(p)
                // From white to dark blue as the share grows.
                let (r, g, b) = (Int(255 - 247 * share), Int(255 - 207 * share), Int(255 - 148 * share))
                svg +=
                    "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(cell)\" height=\"\(cell)\" fill=\"rgb(\(r),\(g),\(b))\" stroke=\"#ddd\"/>"
                if cell >= 24 {
                    svg +=
                        "<text x=\"\(x + cell / 2)\" y=\"\(y + cell / 2 + 4)\" text-anchor=\"middle\" font-size=\"11\" "
                        + "fill=\"\(share > 0.5 ? "white" : "black")\">\(value)</text>"
                }
                svg += "\n"
            }
        }
        for (p, name) in names.enumerated() {
            let x = left + cell * Double(p) + cell / 2
            svg += "<text x=\"\(x)\" y=\"\(top - 6)\" transform=\"rotate(-45 \(x) \(top - 6))\">\(name.xmlEscaped)</text>\n"
        }
        return svg + "</svg>\n"
    }
}
