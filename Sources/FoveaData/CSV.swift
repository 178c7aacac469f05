import Foundation
import FoveaCore

/// Tabular data from a CSV file: numeric feature columns and one label column.
///
/// Fields are separated by `delimiter`; surrounding whitespace and double quotes are stripped (quoted fields
/// may not contain the delimiter). Empty lines are skipped. Labels become class indices in sorted order of
/// their names (numerically when every label is an integer), so the indices do not depend on row order.
public enum CSVDataset {
    /// Reads `url`: a header row naming the columns, then one sample per line. `labelColumn` names the label
    /// column (the last one when nil). Samples have shape [number of feature columns].
    public static func load(_ url: URL, labelColumn: String? = nil, delimiter: Character = ",") throws -> InMemoryDataset {
        try read(ByteStream(file: url), labelColumn: labelColumn, delimiter: delimiter)
    }

    /// Reads the content of a CSV file (plain or gzip'd) from memory; `name` stands for the file in errors.
    public static func parse(_ content: [UInt8], name: String, labelColumn: String? = nil, delimiter: Character = ",") throws
        -> InMemoryDataset
    {
        try read(ByteStream(bytes: content, name: name), labelColumn: labelColumn, delimiter: delimiter)
    }

    /// The non-empty lines of a text file with their line numbers, trimmed.
    static func lines(_ stream: ByteStream) throws -> [(line: Int, text: String)] {
        guard let text = String(bytes: try stream.readToEnd(), encoding: .utf8) else {
            throw FoveaError.badFile(path: stream.path, reason: "is not UTF-8 text")
        }
        return text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated().compactMap { number, line in
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty ? nil : (number + 1, trimmed)
        }
    }

    /// The non-empty lines of a CSV text with their line numbers, split into trimmed, unquoted fields.
    static func rows(_ stream: ByteStream, delimiter: Character) throws -> [(line: Int, fields: [String])] {
        try lines(stream).map { row in
            (
                row.line,
                row.text.split(separator: delimiter, omittingEmptySubsequences: false).map {
                    $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                }
            )
        }
    }

    private static func read(_ stream: ByteStream, labelColumn: String?, delimiter: Character) throws -> InMemoryDataset {
        let path = stream.path
        let rows = try rows(stream, delimiter: delimiter)
        guard let header = rows.first else { throw FoveaError.badFile(path: path, reason: "is empty (no header row)") }
        let columns = header.fields
        guard columns.count >= 2 else {
            throw FoveaError.badFile(
                path: path, reason: "line \(header.line): the header has \(columns.count) column; need features and a label")
        }
        let labelIndex: Int
        if let labelColumn {
            guard let found = columns.firstIndex(of: labelColumn) else {
                throw FoveaError.badFile(
                    path: path, reason: "no column named '\(labelColumn)' (columns: \(columns.joined(separator: ", ")))")
            }
            labelIndex = found
        } else {
            labelIndex = columns.count - 1
        }
        let dataRows = rows.dropFirst()
        guard !dataRows.isEmpty else { throw FoveaError.badFile(path: path, reason: "has a header but no data rows") }

        var features: [Float] = []
        features.reserveCapacity(dataRows.count * (columns.count - 1))
        var labelNames: [String] = []
        for row in dataRows {
            guard row.fields.count == columns.count else {
                throw FoveaError.badFile(
                    path: path,
                    reason:
                        "line \(row.line): \(row.fields.count) fields, expected \(columns.count) as in the header")
            }
            for (column, field) in row.fields.enumerated() where column != labelIndex {
                guard let value = Float(field), value.isFinite else {
                    throw FoveaError.badFile(
                        path: path,
                        reason:
                            "line \(row.line), column '\(columns[column])': '\(field)' is not a finite number")
                }
                features.append(value)
            }
            let label = row.fields[labelIndex]
            guard !label.isEmpty else {
                throw FoveaError.badFile(path: path, reason: "line \(row.line): the label ('\(columns[labelIndex])') is empty")
            }
            labelNames.append(label)
        }
        let classNames = sortedClassNames(Set(labelNames))
        let indexOf = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, Int32($0)) })
        return try InMemoryDataset(
            features: features, labels: labelNames.map { indexOf[$0]! },
            sampleShape: [columns.count - 1], classNames: classNames)
    }

    /// Loads `url`, splits it (seeded) and standardizes both parts with the training part's statistics.
    public static func load(
        _ url: URL, validationFraction: Double, seed: UInt64, labelColumn: String? = nil,
        delimiter: Character = ","
    ) throws
        -> (train: InMemoryDataset, validation: InMemoryDataset, standardizer: Standardizer)
    {
        let parts = try load(url, labelColumn: labelColumn, delimiter: delimiter)
            .split(validationFraction: validationFraction, seed: seed)
        let standardizer = try Standardizer(fitting: parts.train)
        return (try standardizer.apply(to: parts.train), try standardizer.apply(to: parts.validation), standardizer)
    }

    private static func sortedClassNames(_ names: Set<String>) -> [String] {
        let numbers = names.compactMap { name in Int(name).map { (name, $0) } }
        if numbers.count == names.count { return numbers.sorted { $0.1 < $1.1 }.map(\.0) }
        return names.sorted()
    }
}

/// Per-feature standardization, (x - mean) / std, with statistics fitted on one dataset (the training part)
/// and applied to any dataset of the same sample shape. Features that never vary keep std 1.
public struct Standardizer: Sendable {
    /// One value per element of a sample.
    public let mean: [Float]
    /// Population standard deviation per element (1 where it is 0).
    public let standardDeviation: [Float]

    public init(mean: [Float], standardDeviation: [Float]) {
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// Fits mean and standard deviation of every feature over the samples of `dataset`.
    public init(fitting dataset: InMemoryDataset) throws {
        guard dataset.count > 0 else { throw FoveaError.invalidArgument("Standardizer: cannot fit an empty dataset") }
        let size = dataset.sampleShape.count
        var sum = [Double](repeating: 0, count: size)
        var squares = [Double](repeating: 0, count: size)
        for (i, value) in dataset.features.enumerated() {
            sum[i % size] += Double(value)
            squares[i % size] += Double(value) * Double(value)
        }
        let n = Double(dataset.count)
        let mean = sum.map { $0 / n }
        let std = zip(squares, mean).map { squares, mean in (max(squares / n - mean * mean, 0)).squareRoot() }
        self.init(mean: mean.map(Float.init), standardDeviation: std.map { $0 > 1e-12 ? Float($0) : 1 })
    }

    /// `dataset` with every feature standardized.
    public func apply(to dataset: InMemoryDataset) throws -> InMemoryDataset {
        let size = dataset.sampleShape.count
        guard size == mean.count else {
            throw FoveaError.invalidArgument(
                "Standardizer: fitted on samples of \(mean.count) features, got samples of shape \(dataset.sampleShape)")
        }
        let scaled = dataset.features.enumerated().map { i, value in (value - mean[i % size]) / standardDeviation[i % size] }
        return try InMemoryDataset(
            features: scaled, labels: dataset.labels, sampleShape: dataset.sampleShape,
            classNames: dataset.classNames)
    }
}
