import Foundation
import Testing

@testable import Fovea
@testable import FoveaCLI

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The confusion matrix and scores against hand-computed ones, predictions read through argmax, and `fovea evaluate
/// --report`.
@Suite struct EvaluationReportTests {
    // true:      cat cat cat dog dog bird bird bird bird cat
    // predicted: cat cat dog dog bird bird bird dog bird cat
    static let labels = [0, 0, 0, 1, 1, 2, 2, 2, 2, 0], predicted = [0, 0, 1, 1, 2, 2, 2, 1, 2, 0]

    @Test func scoresAreScikitLearns() {
        let report = ClassificationReport(labels: Self.labels, predicted: Self.predicted, classNames: ["cat", "dog", "bird"])
        #expect(report.confusion == [[3, 1, 0], [0, 1, 1], [0, 1, 3]])
        // cat: 3 of 3 predicted cats are cats, 3 of 4 cats found; dog: 1 of 3, 1 of 2; bird: 3 of 4, 3 of 4.
        let expected: [(Double, Double, Double, Int)] = [(1, 0.75, 6.0 / 7, 4), (1.0 / 3, 0.5, 0.4, 2), (0.75, 0.75, 0.75, 4)]
        for (scores, (precision, recall, f1, support)) in zip(report.classes, expected) {
            #expect(
                abs(scores.precision - precision) < 1e-12 && abs(scores.recall - recall) < 1e-12 && abs(scores.f1 - f1) < 1e-12)
            #expect(scores.support == support)
        }
        #expect(report.accuracy == 0.7)
        #expect(abs(report.macroAverage.precision - (1 + 1.0 / 3 + 0.75) / 3) < 1e-12)
        #expect(abs(report.macroAverage.f1 - (6.0 / 7 + 0.4 + 0.75) / 3) < 1e-12)
        #expect(abs(report.weightedAverage.precision - (4 + 2.0 / 3 + 3) / 10) < 1e-12)
        #expect(abs(report.weightedAverage.recall - 0.7) < 1e-12 && report.weightedAverage.support == 10)
        #expect(report.topK == nil && report.topKAccuracy == nil)
        #expect(
            report.confusionTable == """
                true \\ predicted  cat  dog  bird
                             cat    3    1     0
                             dog    0    1     1
                            bird    0    1     3
                """)
        #expect(
            report.scoresTable == """
                                 precision     recall   f1-score    support

                            cat     1.0000     0.7500     0.8571          4
                            dog     0.3333     0.5000     0.4000          2
                           bird     0.7500     0.7500     0.7500          4

                       accuracy                             0.7000         10
                      macro avg     0.6944     0.6667     0.6690         10
                   weighted avg     0.7667     0.7000     0.7229         10
                """)
    }

    @Test func aClassNeverPredictedScoresZeroPrecision() {
        let report = ClassificationReport(
            labels: [0, 1, 2], predicted: [0, 0, 0], classNames: ["a", "b", "c"], topK: 2,
            inTopK: [true, true, false])
        #expect(report.classes.map(\.precision) == [1.0 / 3, 0, 0] && report.classes.map(\.f1) == [0.5, 0, 0])
        #expect(report.topK == 2 && report.topKAccuracy == 2.0 / 3)
    }

    /// Scores 2x0, 2x1, 1: the predicted class is the largest input; ties go to the first.
    @Test func predictionsComeFromArgmaxAndTheDataSetsLabels() throws {
        let data = try InMemoryDataset(
            features: [3, 0, 1, /**/ 0, 2, 1, /**/ 1, 1, 0, /**/ 0, 0, 5], labels: [0, 0, 2, 2], sampleShape: [3])
        let model = Sequential { Dense(3, 3) }
        try model.loadStateDict(["0.weight": Tensor([1, 0, 0, 0, 1, 0, 0, 0, 1], shape: [3, 3]), "0.bias": Tensor.zeros([3])])
        let predictions = try Predictions(model: model, loader: DataLoader(data, batchSize: 3, shuffle: false))
        #expect(
            predictions.predicted == [0, 1, 0, 2] && predictions.labels == [0, 0, 2, 2] && predictions.indices == [0, 1, 2, 3])
        #expect(predictions.mistakesByConfidence == [1, 2])  // e^2/(1+e^2+e) = 0.67 before e/(2e+1) = 0.42
        #expect(predictions.isInTop(1) == [true, false, false, true] && predictions.isInTop(2) == [true, false, false, true])
        #expect(predictions.isInTop(3) == [true, true, true, true])
        let evaluation = EvaluationReport(
            model: "linear", data: "tiny", loss: 0.5, predictions: predictions, classNames: ["a", "b", "c"], topK: 2)
        #expect(evaluation.mistakes.map(\.index) == [1, 2] && evaluation.report.topKAccuracy == 0.5)
        #expect(evaluation.text.hasSuffix("\n  #1: a taken for b, 66.5%\n  #2: c taken for a, 42.2%"), "\(evaluation.text)")
        let first = try Predictions(model: model, loader: DataLoader(data, batchSize: 3, shuffle: false), maxBatches: 1)
        #expect(first.count == 3)
        let outOfRange = try InMemoryDataset(features: [1, 2, 3], labels: [3], sampleShape: [3])
        #expect(throws: FoveaError.invalidArgument("Predictions: label 3 is not one of the model's 3 classes")) {
            try Predictions(model: model, loader: DataLoader(outOfRange, batchSize: 1, shuffle: false))
        }
    }

    @Test func evaluateWritesTheReportFolder() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let lenet = try CommandLineTests.lenetCheckpoint(in: directory)
        let folder = directory.appendingPathComponent("report")
        try CommandLineTests.fovea([
            "evaluate", "--checkpoint", lenet, "--device", "cpu", "--top-k", "3", "--report", folder.path, "--json",
        ])
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("report.json")))
                as? [String: Any])
        let report = try #require(json["report"] as? [String: Any])
        let confusion = try #require(report["confusion"] as? [[Int]])
        #expect(confusion.count == 10 && confusion.joined().reduce(0, +) == 10_000 && json["samples"] as? Int == 10_000)
        #expect(report["top_k"] as? Int == 3 && (report["class_names"] as? [String])?.first == "class 0")
        #expect((json["mistakes"] as? [[String: Any]])?.count == EvaluationReport.mistakeCount)
        // The matrix is well-formed SVG with a cell per pair; the mistakes a PNG grid of 16 28x28 images, 8 a row.
        let svg = try XMLDocument(contentsOf: folder.appendingPathComponent("confusion_matrix.svg"))
        #expect(try svg.nodes(forXPath: "//*[local-name()='rect']").count == 1 + 100)
        let png = [UInt8](try Data(contentsOf: folder.appendingPathComponent("mistakes.png")))
        let header: [UInt8] = Array("IHDR".utf8) + [0, 0, 0, 242, 0, 0, 0, 62]  // 8 x 28 + 9 x 2 by 2 x 28 + 3 x 2
        #expect(Array(png[12..<24]) == header)
        #expect(CommandLineTests.failure(["evaluate", "--checkpoint", lenet, "--top-k", "0"]) == "--top-k 0: must be positive")
    }
}
