import Foundation
import FoveaCore
import FoveaData
import FoveaTestSupport
import Testing

/// Time series: windows and targets, the chronological split, scaling fitted on the training part alone, CSV errors.
@Suite struct TimeSeriesTests {
    @Test func windowsPredictTheValueHorizonStepsAhead() throws {
        let series = try TimeSeries((0..<20).map(Float.init))
        let parts = try series.split(window: 3, horizon: 2, validationFraction: 0.2, testFraction: 0.2)
        let train = parts.train
        func original(_ value: Float) -> Float { (value * train.standardDeviation + train.mean).rounded() }
        #expect(train.count == 12 - 4 && train.sampleShape == [3, 1])
        #expect(try train[0].features.map(original) == [0, 1, 2] && train.regressionTarget(at: 0).map(original) == 4)
        #expect(original(train.lastKnown(at: 0)) == 2)
        // Validation targets are values 12..<16, test targets 16..<20, each read from the four values before.
        let validation = try #require(parts.validation)
        #expect(validation.count == 4 && parts.test.count == 4)
        #expect(try validation[0].features.map(original) == [8, 9, 10] && validation.regressionTarget(at: 0).map(original) == 12)
        #expect(parts.test.regressionTarget(at: 3).map(original) == 19)
    }

    @Test func noTestValueReachesTrainingWindowsOrScaling() throws {
        let base = (0..<60).map { Float($0 % 7) * 3 + 1 }
        var changed = base
        for i in 48..<60 { changed[i] = 1000 + Float(i) }   // the test part's values (the last 20%)
        let original = try TimeSeries(base).split(window: 5, horizon: 1, validationFraction: 0.1, testFraction: 0.2)
        let altered = try TimeSeries(changed).split(window: 5, horizon: 1, validationFraction: 0.1, testFraction: 0.2)
        #expect(altered.train.values == original.train.values)
        #expect(altered.validation?.values == original.validation?.values)
        #expect(altered.train.mean == original.train.mean && altered.train.standardDeviation == original.train.standardDeviation)
        let trainPart = base[..<42]
        #expect(abs(original.train.mean - trainPart.reduce(0, +) / 42) < 1e-5)
        #expect(altered.train.values.allSatisfy { $0 * altered.train.standardDeviation + altered.train.mean < 100 })
        #expect(altered.test.values.contains { $0 * altered.test.standardDeviation + altered.test.mean > 1000 })
    }

    @Test func loaderGivesFloatTargets() throws {
        let parts = try TimeSeries((0..<30).map { Float($0) }).split(window: 4, horizon: 1, validationFraction: 0, testFraction: 0.2)
        #expect(parts.validation == nil)
        let loader = try DataLoader(parts.train, batchSize: 5, shuffle: false)
        var batches = loader.batches(epoch: 0)
        let batch = try #require(try batches.nextBatch())
        #expect(batch.inputs.shape == [5, 4, 1] && batch.targets.shape == [5, 1] && batch.targets.dtype == DType.float32)
        #expect(try batch.targets.toArray() == (0..<5).map { parts.train.regressionTarget(at: $0)! })
    }

    @Test func readsACSVColumnAndRejectsBadFiles() throws {
        let directory = try TemporaryDirectory(name: "series")
        defer { directory.remove() }
        let good = try directory.write("good.csv", Array("month,value\n1949-01,112\n1949-02,118\n\n1949-03,132\n".utf8))
        #expect(try TimeSeries.read(csv: good, column: "value").values == [112, 118, 132])
        #expect(throws: FoveaError.self) { try TimeSeries.read(csv: good, column: "passengers") }
        let bad = try directory.write("bad.csv", Array("month,value\n1949-01,112\n1949-02,n/a\n".utf8))
        #expect(throws: FoveaError.self) { try TimeSeries.read(csv: bad, column: "value") }
        let short = try directory.write("short.csv", Array("month,value\n1949-01\n".utf8))
        #expect(throws: FoveaError.self) { try TimeSeries.read(csv: short, column: "value") }
        #expect(throws: FoveaError.self) { try TimeSeries([1, 2, 3, 4]).split(window: 3, horizon: 1, validationFraction: 0, testFraction: 0.25) }
        #expect(throws: FoveaError.self) { try TimeSeries([1, .nan]) }
    }

    @Test func aSeriesTooShortToSplitNamesItsFile() throws {
        let directory = try TemporaryDirectory(name: "short-series")
        defer { directory.remove() }
        let tiny = try directory.write("tiny.csv", Array("month,value\n1,1\n2,2\n3,3\n4,4\n".utf8))
        let error = #expect(throws: FoveaError.self) {
            try TimeSeries.read(csv: tiny, column: "value").split(window: 3, horizon: 1, validationFraction: 0, testFraction: 0.25)
        }
        #expect(error?.description.contains("tiny.csv") == true)
        #expect(error?.description.contains("4 values are too few") == true)
    }
}
