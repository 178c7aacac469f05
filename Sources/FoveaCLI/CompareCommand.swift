import ArgumentParser
import Foundation
import Fovea

/// `fovea compare`: several runs side by side: the options they differ in, their final metrics, and their
/// validation curves overlaid in one SVG.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare", abstract: "Compare training runs: the options they differ in, final metrics, validation curves.")

    @Argument(help: ArgumentHelp("Run folders written by `fovea train`.", valueName: "run-dir")) var runs: [String]
    @Option(help: ArgumentHelp("Where to write the validation curves of every run, overlaid (SVG).", valueName: "file")) var svg =
        "comparison.svg"

    func run() throws {
        let records = try runs.map { try RunRecord(folder: URL(fileURLWithPath: $0)) }
        print(Self.table(records))
        let curves = LearningCurves.svg(comparing: records.map { ($0.name, $0.history) })
        try AtomicFile.write(Data(curves.utf8), to: URL(fileURLWithPath: svg))
        print("validation curves written to \(svg)")
    }

    /// One row per run: its name, the options whose values differ between the runs, the epochs trained, the last
    /// epoch's validation loss and accuracy, the best validation accuracy and the test loss and accuracy.
    static func table(_ records: [RunRecord]) -> String {
        let keys = Set(records.flatMap(\.configuration.keys)).sorted().filter { key in
            Set(records.map { $0.configuration[key] ?? "-" }).count > 1
        }
        func percent(_ value: Float?) -> String { value.map { String(format: "%.2f%%", 100 * $0) } ?? "-" }
        func number(_ value: Float?) -> String { value.map { String(format: "%.4f", $0) } ?? "-" }
        let header = ["run"] + keys + ["epochs", "val_loss", "val_acc", "best_val_acc", "test_loss", "test_acc"]
        let rows = records.map { record -> [String] in
            let last = record.history.last
            let best = record.history.compactMap(\.validationAccuracy).max()
            return [record.name] + keys.map { record.configuration[$0] ?? "-" }
                + [
                    String(record.history.count), number(last?.validationLoss), percent(last?.validationAccuracy), percent(best),
                    number(record.test?.loss), percent(record.test?.accuracy),
                ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max()! }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).enumerated().map { column, cell in
                let padding = String(repeating: " ", count: cell.1 - cell.0.count)
                return column == 0 ? cell.0 + padding : padding + cell.0
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}
