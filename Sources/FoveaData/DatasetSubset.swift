import FoveaCore

/// Some samples of another dataset, by index, read from it on demand (for datasets that are not in memory).
public struct DatasetSubset: Dataset {
    /// The dataset the samples come from.
    public let base: any Dataset
    /// The samples of `base` this subset holds, in order.
    public let indices: [Int]

    /// The samples of `base` at `indices`; throws when one is out of range, and for a `MultiTensorDataset`, whose
    /// other inputs and targets a `DatasetSubset` would drop (take a `MultiTensorDatasetSubset` of it).
    public init(_ base: any Dataset, indices: [Int]) throws {
        if base is any MultiTensorDataset {
            throw FoveaError.invalidArgument(
                "subset: the data set has several inputs or targets (a MultiTensorDataset), which DatasetSubset would "
                    + "drop; use MultiTensorDatasetSubset")
        }
        try Self.checkIndices(indices, count: base.count)
        self.base = base
        self.indices = indices
    }

    public var count: Int { indices.count }
    public var sampleShape: Shape { base.sampleShape }
    public var classNames: [String] { base.classNames }
    public func label(at index: Int) -> Int { base.label(at: indices[index]) }
    public func regressionTarget(at index: Int) -> Float? { base.regressionTarget(at: indices[index]) }

    public func copyFeatures(at index: Int, into destination: UnsafeMutablePointer<Float>) throws {
        try base.copyFeatures(at: indices[index], into: destination)
    }

    /// A seeded random split of `dataset`, the same as `InMemoryDataset.split` makes of the same samples.
    public static func split(_ dataset: any Dataset, validationFraction: Double, seed: UInt64) throws
        -> (train: DatasetSubset, validation: DatasetSubset)
    {
        let parts = try splitIndices(count: dataset.count, validationFraction: validationFraction, seed: seed)
        return (try DatasetSubset(dataset, indices: parts.train), try DatasetSubset(dataset, indices: parts.validation))
    }

    /// Throws naming the first of `indices` outside 0..<count.
    static func checkIndices(_ indices: [Int], count: Int) throws {
        if let bad = indices.first(where: { $0 < 0 || $0 >= count }) {
            throw FoveaError.invalidArgument("subset: index \(bad) is out of range 0..<\(count)")
        }
    }

    /// The indices of a seeded random split: `validationFraction` of `count` samples (rounded) go to `validation`.
    static func splitIndices(count: Int, validationFraction: Double, seed: UInt64) throws -> (train: [Int], validation: [Int]) {
        guard validationFraction >= 0, validationFraction <= 1 else {
            throw FoveaError.invalidArgument("split: validation fraction \(validationFraction) is outside 0...1")
        }
        var generator = SeededGenerator(seed: seed)
        let order = generator.permutation(count)
        let validationCount = Int((Double(count) * validationFraction).rounded())
        return (Array(order[validationCount...]), Array(order[..<validationCount]))
    }
}
