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

    @Test func relativeWindowsMeasureInputsAndTargetFromTheWindowsLastValue() throws {
        // Values 0, 2, 4, ..., 38: training part values 0...22 (12 of them), mean 11, deviation sqrt(143 / 3) = 6.904.
        let parts = try TimeSeries((0..<20).map { Float($0 * 2) }).split(
            window: 3, horizon: 2, validationFraction: 0.2, testFraction: 0.2,
            relative: true)
        let train = parts.train, deviation = (Float(143) / 3).squareRoot()
        #expect(train.relative && abs(train.mean - 11) < 1e-5 && abs(train.standardDeviation - deviation) < 1e-4)
        // Window 1 reads 2, 4, 6 and predicts 10 (two steps after 6): measured from 6, in standardized units.
        #expect(allClose(try train[1].features, [-4 / deviation, -2 / deviation, 0]))
        #expect(abs(try #require(train.regressionTarget(at: 1)) - 4 / deviation) < 1e-5)
        #expect(abs(train.origin(at: 1) - (6 - 11) / deviation) < 1e-5 && train.origin(at: 1) == train.lastKnown(at: 1))
        // The last test window reads 30, 32, 34 and predicts 38.
        #expect(allClose(try parts.test[3].features, [-4 / deviation, -2 / deviation, 0]))
        #expect(abs(try #require(parts.test.regressionTarget(at: 3)) - 4 / deviation) < 1e-5)
        #expect(abs(parts.test.regressionTarget(at: 3)! + parts.test.origin(at: 3) - (38 - 11) / deviation) < 1e-5)
        let absolute = try TimeSeries((0..<20).map { Float($0 * 2) }).split(
            window: 3, horizon: 2, validationFraction: 0.2, testFraction: 0.2)
        #expect(!absolute.train.relative && absolute.train.origin(at: 1) == 0 && absolute.train.values == train.values)
    }

    @Test(arguments: [false, true]) func noTestValueReachesTrainingWindowsOrScaling(relative: Bool) throws {
        let base = (0..<60).map { Float($0 % 7) * 3 + 1 }
        var changed = base
        for i in 48..<60 { changed[i] = 1000 + Float(i) }  // the test part's values (the last 20%)
        let original = try TimeSeries(base).split(
            window: 5, horizon: 1, validationFraction: 0.1, testFraction: 0.2, relative: relative)
        let altered = try TimeSeries(changed).split(
            window: 5, horizon: 1, validationFraction: 0.1, testFraction: 0.2, relative: relative)
        #expect(altered.train.values == original.train.values)
        #expect(altered.validation?.values == original.validation?.values)
        for (before, after) in [(original.train, altered.train), (original.validation!, altered.validation!)] {
            #expect(
                try (0..<after.count).allSatisfy {
                    try after[$0].features == before[$0].features
                        && after.regressionTarget(at: $0) == before.regressionTarget(at: $0)
                })
        }
        #expect(altered.train.mean == original.train.mean && altered.train.standardDeviation == original.train.standardDeviation)
        let trainPart = base[..<42]
        #expect(abs(original.train.mean - trainPart.reduce(0, +) / 42) < 1e-5)
        #expect(altered.train.values.allSatisfy { $0 * altered.train.standardDeviation + altered.train.mean < 100 })
        #expect(altered.test.values.contains { $0 * altered.test.standardDeviation + altered.test.mean > 1000 })
    }

    @Test func givenStatisticsStandardizeEveryPartInPlaceOfTheTrainingPartsOwn() throws {
        let parts = try TimeSeries((0..<20).map(Float.init)).split(
            window: 3, horizon: 1, validationFraction: 0.2, testFraction: 0.2,
            standardization: (mean: 10, standardDeviation: 4))
        #expect(parts.train.mean == 10 && parts.test.standardDeviation == 4)
        #expect(try parts.train[0].features == [-2.5, -2.25, -2] && parts.test.regressionTarget(at: 3) == 2.25)
        for bad: (mean: Float, standardDeviation: Float) in [(.nan, 1), (0, 0), (0, -1), (0, .infinity)] {
            #expect(throws: FoveaError.self, "\(bad)") {
                try TimeSeries([1, 2, 3, 4, 5, 6]).split(
                    window: 1, horizon: 1, validationFraction: 0, testFraction: 0.5, standardization: bad)
            }
        }
    }

    @Test func loaderGivesFloatTargets() throws {
        let parts = try TimeSeries((0..<30).map { Float($0) }).split(
            window: 4, horizon: 1, validationFraction: 0, testFraction: 0.2)
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
        #expect(throws: FoveaError.self) {
            try TimeSeries([1, 2, 3, 4]).split(window: 3, horizon: 1, validationFraction: 0, testFraction: 0.25)
        }
        #expect(throws: FoveaError.self) { try TimeSeries([1, .nan]) }
    }

    @Test func aSeriesTooShortToSplitNamesItsFile() throws {
        let directory = try TemporaryDirectory(name: "short-series")
        defer { directory.remove() }
        let tiny = try directory.write("tiny.csv", Array("month,value\n1,1\n2,2\n3,3\n4,4\n".utf8))
        let error = #expect(throws: FoveaError.self) {
            try TimeSeries.read(csv: tiny, column: "value").split(
                window: 3, horizon: 1, validationFraction: 0, testFraction: 0.25)
        }
        #expect(error?.description.contains("tiny.csv") == true)
        #expect(error?.description.contains("4 values are too few") == true)
    }
}
