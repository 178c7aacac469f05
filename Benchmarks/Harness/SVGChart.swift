import Foundation

/// A hand-written SVG bar chart: one panel per suite (its own scale and unit), one group of bars per benchmark,
/// one bar per backend.
enum SVGChart {
    private static let colors = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1"]
    private static let labelWidth = 300.0, barArea = 520.0, barHeight = 11.0, groupGap = 6.0, panelGap = 34.0

    static func render(_ results: [BenchmarkResult], title: String) -> String {
        let backends = TableReport.orderedBackends(results)
        let width = labelWidth + barArea + 90
        var body = ""
        var y = 50.0
        for (index, backend) in backends.enumerated() {
            let x = labelWidth + Double(index) * 110
            body += "<rect x=\"\(x)\" y=\"28\" width=\"10\" height=\"10\" fill=\"\(colors[index % colors.count])\"/>"
            body += "<text x=\"\(x + 14)\" y=\"37\">\(escape(backend))</text>\n"
        }
        for suite in TableReport.orderedSuites(results) {
            let rows = results.filter { $0.suite == suite }
            let unit = rows[0].unit
            let largest = max(rows.map(\.rate).max() ?? 1, 1e-9)
            y += panelGap
            body +=
                "<text x=\"10\" y=\"\(y - 10)\" font-weight=\"bold\">\(escape(suite)) (\(unit)\(unit == "ms" ? ", lower is better" : ""))</text>\n"
            for name in TableReport.orderedNames(rows) {
                let group = backends.compactMap { backend in
                    rows.first { $0.name == name && $0.backend == backend }.map { (backend, $0) }
                }
                let groupHeight = Double(backends.count) * barHeight
                body +=
                    "<text x=\"\(labelWidth - 8)\" y=\"\(y + groupHeight / 2 + 4)\" text-anchor=\"end\">\(escape(name))</text>\n"
                for (backend, result) in group {
                    let slot = Double(backends.firstIndex(of: backend)!)
                    let length = max(1, barArea * result.rate / largest)
                    let top = y + slot * barHeight
                    body +=
                        "<rect x=\"\(labelWidth)\" y=\"\(top)\" width=\"\(format(length))\" height=\"\(barHeight - 1)\" "
                        + "fill=\"\(colors[Int(slot) % colors.count])\"><title>\(escape(backend)): \(format(result.rate)) \(unit)</title></rect>"
                    body +=
                        "<text x=\"\(format(labelWidth + length + 4))\" y=\"\(top + barHeight - 2)\" font-size=\"9\">\(format(result.rate))</text>\n"
                }
                y += groupHeight + groupGap
            }
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(format(width))" height="\(format(y + 20))" font-family="sans-serif" font-size="11">
            <rect width="100%" height="100%" fill="white"/>
            <text x="10" y="18" font-size="14" font-weight="bold">\(escape(title))</text>
            \(body)</svg>

            """
    }

    private static func format(_ value: Double) -> String { String(format: value >= 100 ? "%.0f" : "%.2f", value) }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
