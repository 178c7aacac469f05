import Foundation
import FoveaCore
import FoveaData
import FoveaTestSupport
import Testing

@Suite struct CSVTests {
    /// Windows line ends (CRLF) read as Unix ones; line numbers in errors count them the same way.
    @Test func readsCRLFLineEnds() throws {
        let data = try CSVDataset.parse(Array("a,b,label\r\n1,2,x\r\n3,4,y\r\n".utf8), name: "crlf.csv")
        #expect(data.count == 2 && data.features == [1, 2, 3, 4] && data.classNames == ["x", "y"])
        #expect(throws: FoveaError.badFile(path: "bad.csv", reason: "line 3, column 'b': 'oops' is not a finite number")) {
            try CSVDataset.parse(Array("a,b,label\r\n1,2,x\r\n3,oops,y\r\n".utf8), name: "bad.csv")
        }
    }

    @Test func readsIrisWithSortedClassIndices() throws {
        let url = irisCSV
        let data = try CSVDataset.load(url)
        #expect(data.count == 150)
        #expect(data.sampleShape == [4])
        #expect(data.classNames == ["setosa", "versicolor", "virginica"])
        #expect(data[0].features == [5.1, 3.5, 1.4, 0.2] && data[0].label == 0)
        #expect(data.labels.filter { $0 == 2 }.count == 50)
    }

    @Test func splitsAndStandardizesWithTrainingStatistics() throws {
        let url = irisCSV
        let (train, validation, standardizer) = try CSVDataset.load(url, validationFraction: 0.2, seed: 42)
        #expect(train.count == 120 && validation.count == 30)
        for feature in 0..<4 {
            let column = stride(from: feature, to: train.features.count, by: 4).map { Double(train.features[$0]) }
            let mean = column.reduce(0, +) / Double(column.count)
            let variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(column.count)
            #expect(abs(mean) < 1e-5 && abs(variance - 1) < 1e-4)
        }
        // The validation part is scaled with the training statistics, not its own.
        let raw = try CSVDataset.load(url)
        let again = try CSVDataset.load(url, validationFraction: 0.2, seed: 42)
        #expect(again.validation.features == validation.features)
        let (_, rawValidation) = try raw.split(validationFraction: 0.2, seed: 42)
        let x = rawValidation.features[1]
        #expect(abs(validation.features[1] - (x - standardizer.mean[1]) / standardizer.standardDeviation[1]) < 1e-6)
    }

    @Test func numericLabelsSortNumericallyAndTheLabelColumnCanBeNamed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = try directory.write("t.csv", Array("class,x,y\n10,1,2\n2,3,4\r\n\n9,5,6\n".utf8))
        let data = try CSVDataset.load(url, labelColumn: "class")
        #expect(data.classNames == ["2", "9", "10"])
        #expect(data.labels == [2, 0, 1])
        #expect(data.features == [1, 2, 3, 4, 5, 6])
    }

    @Test func badRowsNameTheFileLineAndColumn() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ragged = try directory.write("ragged.csv", Array("a,b,label\n1,2,x\n3,y\n".utf8))
        #expect(throws: FoveaError.badFile(path: ragged.path, reason: "line 3: 2 fields, expected 3 as in the header")) {
            try CSVDataset.load(ragged)
        }
        let text = try directory.write("text.csv", Array("a,b,label\n1,2,x\n\n3,four,y\n".utf8))
        #expect(throws: FoveaError.badFile(path: text.path, reason: "line 4, column 'b': 'four' is not a finite number")) {
            try CSVDataset.load(text)
        }
        #expect(throws: FoveaError.badFile(path: text.path, reason: "no column named 'species' (columns: a, b, label)")) {
            try CSVDataset.load(text, labelColumn: "species")
        }
        let empty = try directory.write("empty.csv", Array("a,label\n".utf8))
        #expect(throws: FoveaError.badFile(path: empty.path, reason: "has a header but no data rows")) {
            try CSVDataset.load(empty)
        }
        let missing = directory.url.appendingPathComponent("missing.csv")
        #expect(throws: FoveaError.badFile(path: missing.path, reason: "no such file")) { try CSVDataset.load(missing) }
    }
}
