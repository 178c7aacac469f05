import Foundation
import Fovea
import Testing

@testable import FoveaCLI

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `fovea compare`: the table of differing options and final metrics, and the overlaid validation curves.
@Suite struct CompareCommandTests {
    @Test func comparesTwoRuns() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let runs = ["0.01", "0.001"].map { directory.appendingPathComponent("lr\($0)") }
        for (run, lr) in zip(runs, ["0.01", "0.001"]) {
            try CommandLineTests.fovea([
                "train", "--model", "mlp", "--data", "csv:\(CommandLineTests.iris)", "--hidden", "8", "--epochs", "3",
                "--lr", lr, "--device", "cpu", "--out", run.path,
            ])
        }
        let records = try runs.map { try RunRecord(folder: $0) }
        #expect(records.map { $0.history.map(\.epoch) } == [[0, 1, 2], [0, 1, 2]] && records.allSatisfy { $0.test != nil })
        let table = CompareCommand.table(records).split(separator: "\n").map(String.init)
        // Only the learning rate differs; the figures are each run's own.
        #expect(table[0] == "run         lr  epochs  val_loss  val_acc  best_val_acc  test_loss  test_acc")
        #expect(table[1].hasPrefix("lr0.01    0.01       3  ") && table[2].hasPrefix("lr0.001  0.001       3  "))
        let accuracy = try #require(records[1].test?.accuracy)
        #expect(table[2].hasSuffix(String(format: "%.2f%%", 100 * accuracy)))

        let svg = directory.appendingPathComponent("both.svg")
        try CommandLineTests.fovea(["compare"] + runs.map(\.path) + ["--svg", svg.path])
        let document = try XMLDocument(contentsOf: svg)
        // Two panels (validation loss, validation accuracy), each with both runs' curves and names.
        #expect(try document.nodes(forXPath: "//*[local-name()='polyline']").count == 4)
        let texts = try document.nodes(forXPath: "//*[local-name()='text']").compactMap(\.stringValue)
        #expect(texts.filter { $0 == "lr0.001" }.count == 2 && texts.contains("validation accuracy"))

        #expect(
            CommandLineTests.failure(["compare", runs[0].path, directory.path])
                == "\(directory.path): has no config.json: not a run folder of `fovea train`")
    }
}
