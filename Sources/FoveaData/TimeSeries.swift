import Foundation
import FoveaCore

/// A series of numbers in time order (one CSV column), cut into windows of past values that predict a later one.
public struct TimeSeries: Sendable {
    public let values: [Float]
    /// The file the values were read from, named by errors; nil for values given in code.
    public let source: URL?

    /// A series of finite values, read from `source` when given.
    public init(_ values: [Float], source: URL? = nil) throws {
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw FoveaError.invalidArgument("TimeSeries: value \(values[bad]) at position \(bad) is not finite")
        }
        self.values = values
        self.source = source
    }

    /// The column `column` of the CSV file `url` (a header row, then one time step per line, oldest first).
    public static func read(csv url: URL, column: String, delimiter: Character = ",") throws -> TimeSeries {
        let rows = try CSVDataset.rows(ByteStream(file: url), delimiter: delimiter)
        guard let header = rows.first else { throw FoveaError.badFile(path: url.path, reason: "is empty (no header row)") }
        guard let index = header.fields.firstIndex(of: column) else {
            throw FoveaError.badFile(
                path: url.path, reason: "no column named '\(column)' (columns: \(header.fields.joined(separator: ", ")))")
        }
        let values = try rows.dropFirst().map { row in
            guard index < row.fields.count, let value = Float(row.fields[index]), value.isFinite else {
                throw FoveaError.badFile(
                    path: url.path,
                    reason:
                        "line \(row.line), column '\(column)': '\(index < row.fields.count ? row.fields[index] : "")' is not a finite number"
                )
            }
            return value
        }
        return try TimeSeries(values, source: url)
    }

    /// Windows of `window` values predicting the value `horizon` steps after each window's last, split in time order:
    /// the first part's targets train, the next `validationFraction` of the values validate, the last `testFraction`
    /// test. Values are standardized with the mean and standard deviation of the training part alone, whose windows
    /// read nothing after it; validation and test windows may read earlier values as inputs (they are the past).
    /// `standardization` gives the statistics instead (a trained model's, to score another series as it was trained).
    /// `relative` windows give each input and target minus the window's last value (see `SeriesWindows.relative`).
    public func split(
        window: Int, horizon: Int, validationFraction: Double, testFraction: Double,
        standardization: (mean: Float, standardDeviation: Float)? = nil, relative: Bool = false
    ) throws -> TimeSeriesSplit {
        guard window > 0, horizon > 0 else {
            throw FoveaError.invalidArgument("TimeSeries: window \(window) and horizon \(horizon) must be positive")
        }
        guard validationFraction >= 0, testFraction > 0, validationFraction + testFraction < 1 else {
            throw FoveaError.invalidArgument(
                "TimeSeries: validation \(validationFraction) and test \(testFraction) fractions must leave a training part")
        }
        if let standardization,
            !(standardization.mean.isFinite && standardization.standardDeviation.isFinite
                && standardization.standardDeviation > 0)
        {
            throw FoveaError.invalidArgument(
                "TimeSeries: standardization mean \(standardization.mean) and deviation \(standardization.standardDeviation) must be finite, the deviation positive"
            )
        }
        let reach = window + horizon - 1
        let testCount = Int((Double(values.count) * testFraction).rounded())
        let validationCount = Int((Double(values.count) * validationFraction).rounded())
        let trainCount = values.count - testCount - validationCount
        guard trainCount > reach, testCount > 0, validationFraction == 0 || validationCount > 0 else {
            let reason =
                "\(values.count) values are too few for windows of \(window) predicting \(horizon) ahead in training, validation and test parts"
            if let source { throw FoveaError.badFile(path: source.path, reason: "its \(reason)") }
            throw FoveaError.invalidArgument("TimeSeries: \(reason)")
        }
        let (mean, deviation) = standardization ?? Self.statistics(values[..<trainCount])
        func part(_ targets: Range<Int>) -> SeriesWindows {
            SeriesWindows(
                values: values[(targets.lowerBound == 0 ? 0 : targets.lowerBound - reach)..<targets.upperBound].map {
                    ($0 - mean) / deviation
                },
                window: window, horizon: horizon, mean: mean, standardDeviation: deviation, relative: relative)
        }
        let validationEnd = trainCount + validationCount
        return TimeSeriesSplit(
            train: part(0..<trainCount), validation: validationCount > 0 ? part(trainCount..<validationEnd) : nil,
            test: part(validationEnd..<values.count))
    }
}

extension TimeSeries {
    /// The mean and standard deviation of `values` (a deviation of 1 for constant values).
    static func statistics(_ values: ArraySlice<Float>) -> (mean: Float, standardDeviation: Float) {
        let mean = values.reduce(0, +) / Float(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(values.count)
        return (mean, variance > 1e-12 ? variance.squareRoot() : 1)
    }
}

/// The three parts of a series, in time order.
public struct TimeSeriesSplit: Sendable {
    public let train: SeriesWindows
    /// Nil when no validation part was asked for.
    public let validation: SeriesWindows?
    public let test: SeriesWindows
}

/// Every window of a stretch of a standardized series: sample i is values[i ..< i + window] ([window, 1]) and its
/// regression target is values[i + window + horizon - 1], both minus `origin(at: i)`.
public struct SeriesWindows: Dataset, Sendable {
    /// The standardized values this part reads, inputs and targets; nothing after its last target.
    public let values: [Float]
    public let window: Int, horizon: Int
    /// The training part's statistics the values were standardized with: original = value * standardDeviation + mean.
    public let mean: Float, standardDeviation: Float
    /// Whether inputs and target are measured from the window's last value (each minus it), so that a window carries
    /// the series' shape but not its level: a series whose level leaves the training range gives inputs in range.
    public let relative: Bool

    public var count: Int { values.count - window - horizon + 1 }
    public var sampleShape: Shape { [window, 1] }
    /// A regression data set has no classes.
    public var classNames: [String] { [] }
    /// 0: the target is `regressionTarget(at:)`.
    public func label(at index: Int) -> Int { 0 }
    public func regressionTarget(at index: Int) -> Float? { values[index + window + horizon - 1] - origin(at: index) }
    /// The last value the window knows (standardized), which the naive forecast predicts.
    public func lastKnown(at index: Int) -> Float { values[index + window - 1] }
    /// What window `index`'s inputs and target are measured from: its last value when `relative`, else 0. A model's
    /// output plus this is its forecast in standardized units.
    public func origin(at index: Int) -> Float { relative ? lastKnown(at: index) : 0 }

    public func copyFeatures(at index: Int, into destination: UnsafeMutablePointer<Float>) {
        let origin = origin(at: index)
        for step in 0..<window { destination[step] = values[index + step] - origin }
    }
}
