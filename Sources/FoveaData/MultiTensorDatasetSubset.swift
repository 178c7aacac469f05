import FoveaCore

/// Some samples of a `MultiTensorDataset`, by index, read from it on demand: every input and target of the samples,
/// where a `DatasetSubset` would keep only the first input.
public struct MultiTensorDatasetSubset: MultiTensorDataset {
    /// The dataset the samples come from.
    public let base: any MultiTensorDataset
    /// The samples of `base` this subset holds, in order.
    public let indices: [Int]

    /// The samples of `base` at `indices` (which may repeat); throws when one is out of range.
    public init(_ base: any MultiTensorDataset, indices: [Int]) throws {
        try DatasetSubset.checkIndices(indices, count: base.count)
        self.base = base
        self.indices = indices
    }

    public var count: Int { indices.count }
    public var inputShapes: [Shape] { base.inputShapes }
    public var targetKinds: [TargetKind] { base.targetKinds }
    public var classNames: [String] { base.classNames }

    public func copyInput(_ input: Int, at index: Int, into destination: UnsafeMutablePointer<Float>) throws {
        try base.copyInput(input, at: indices[index], into: destination)
    }

    public func classIndex(of target: Int, at index: Int) -> Int { base.classIndex(of: target, at: indices[index]) }

    public func copyTargetValues(of target: Int, at index: Int, into destination: UnsafeMutablePointer<Float>) {
        base.copyTargetValues(of: target, at: indices[index], into: destination)
    }

    /// A seeded random split of `dataset`, the same as `DatasetSubset.split` makes of as many samples.
    public static func split(_ dataset: any MultiTensorDataset, validationFraction: Double, seed: UInt64) throws
        -> (train: MultiTensorDatasetSubset, validation: MultiTensorDatasetSubset)
    {
        let parts = try DatasetSubset.splitIndices(count: dataset.count, validationFraction: validationFraction, seed: seed)
        return (
            try MultiTensorDatasetSubset(dataset, indices: parts.train),
            try MultiTensorDatasetSubset(dataset, indices: parts.validation)
        )
    }
}
