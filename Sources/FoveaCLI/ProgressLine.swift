import Foundation

/// The progress bar's line, as a pure function of what it shows and the terminal's width, so that it can be tested
/// as a user sees it: a carriage return, the text fitted into `width - 1` columns (writing the last column makes
/// some terminals wrap), and an erase to the end of the line.
///
/// The full line is `epoch 3/10 [=========>          ] 600/1688  loss 0.4123  acc 85.21%  ETA 0:54  20312 img/s`.
/// When it does not fit, the bar narrows (to 8 columns), then the figures go from the right (images/s, ETA,
/// accuracy); then the bar goes, the loss staying; then the loss; and last the text is cut.
enum ProgressLine {
    /// `accuracy` nil (regression) leaves the accuracy out.
    static func render(
        epoch: Int, epochs: Int, batch: Int, batches: Int, loss: Float, accuracy: Float?,
        imagesPerSecond: Double, secondsLeft: Double?, width: Int
    ) -> String {
        let columns = max(width - 1, 1)
        let head = "epoch \(epoch + 1)/\(epochs)", count = "\(batch)/\(batches)"
        var figures = [String(format: "loss %.4f", loss)] + (accuracy.map { [String(format: "acc %.2f%%", 100 * $0)] } ?? [])
        if let secondsLeft { figures.append("ETA " + duration(secondsLeft)) }
        figures.append(String(format: "%.0f img/s", imagesPerSecond))
        func text(bar: Int?, figures: ArraySlice<String>) -> String {
            let barText = bar.map { " [" + Self.bar(batch: batch, batches: batches, width: $0) + "]" } ?? ""
            return ([head + barText + " " + count] + figures).joined(separator: "  ")
        }
        // With a bar of 8 columns or more and the loss at least, the most figures that fit; then without a bar.
        for count in stride(from: figures.count, through: 1, by: -1) {
            let spare = columns - text(bar: 0, figures: figures.prefix(count)).count
            if spare >= 8 { return frame(text(bar: min(30, spare), figures: figures.prefix(count))) }
        }
        for count in stride(from: figures.count, through: 0, by: -1)
        where text(bar: nil, figures: figures.prefix(count)).count <= columns {
            return frame(text(bar: nil, figures: figures.prefix(count)))
        }
        return frame(String(text(bar: nil, figures: []).prefix(columns)))
    }

    /// `=` for the batches done, `>` at the head, spaces for the rest.
    static func bar(batch: Int, batches: Int, width: Int) -> String {
        let filled = batches > 0 ? min(width, width * batch / batches) : width
        let head = filled < width && filled > 0 ? ">" : ""
        return String(repeating: "=", count: filled - head.count) + head + String(repeating: " ", count: width - filled)
    }

    /// `m:ss`, or `h:mm:ss` from an hour.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded()), (hours, minutes, rest) = (total / 3600, total / 60 % 60, total % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }

    private static func frame(_ text: String) -> String { "\r" + text + "\u{1B}[K" }

    /// The terminal's width in columns: the window size of standard output, else `COLUMNS`, else 80.
    static func terminalWidth() -> Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init) ?? 80
    }
}
