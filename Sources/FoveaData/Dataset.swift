import FoveaCore

/// Which part of a dataset a file holds.
public enum DatasetSplit: Sendable { case train, test }

/// A labelled collection of samples of one shape, read by index.
///
/// `copyFeatures(at:into:)` is what a `DataLoader` calls for every sample of a batch: implement it
/// as a plain copy into the batch buffer (see `InMemoryDataset`, whose samples lie in one `[Float]`), or as a read
/// of the sample's file (see `ImageFolderDataset`), which may throw.
/// A loader calls it from its background thread: conforming types must allow concurrent reads.
public protocol Dataset {
    /// Number of samples.
    var count: Int { get }
    /// The shape of one sample's features (for example [1, 28, 28] or [4]).
    var sampleShape: Shape { get }
    /// Names of the classes that labels index; may be empty when unknown.
    var classNames: [String] { get }
    /// The class index of sample `index`.
    func label(at index: Int) -> Int
    /// Writes sample `index`'s `sampleShape.count` features to `destination`; throws when they cannot be read.
    func copyFeatures(at index: Int, into destination: UnsafeMutablePointer<Float>) throws
    /// Sample `index`'s target value in a regression data set, whose batches then carry Float32 targets [B, 1];
    /// nil (the default) in a classification data set, whose targets are the Int32 labels.
    func regressionTarget(at index: Int) -> Float?
}

extension Dataset {
    public func regressionTarget(at index: Int) -> Float? { nil }
}

extension Dataset {
    /// Sample `index`'s features (row-major in `sampleShape`) and label.
    public subscript(index: Int) -> (features: [Float], label: Int) {
        get throws {
            precondition(index >= 0 && index < count, "sample \(index) is out of range 0..<\(count)")
            var features = [Float](repeating: 0, count: sampleShape.count)
            try features.withUnsafeMutableBufferPointer { try copyFeatures(at: index, into: $0.baseAddress!) }
            return (features, label(at: index))
        }
    }

    /// Number of classes: the class names, or one more than the largest label when there are none.
    public var classCount: Int {
        if !classNames.isEmpty { return classNames.count }
        return ((0..<count).map { label(at: $0) }.max() ?? -1) + 1
    }
}

/// A dataset held in memory: all features in one contiguous row-major `[Float]` (sample after sample)
/// and one label per sample. Copies share their storage until one is modified.
public struct InMemoryDataset: Dataset, Sendable {
    /// All features, `count * sampleShape.count` values.
    public let features: [Float]
    /// One class index per sample.
    public let labels: [Int32]
    public let sampleShape: Shape
    public let classNames: [String]

    /// A dataset of `labels.count` samples; throws when the sizes disagree or a label is out of range.
    public init(features: [Float], labels: [Int32], sampleShape: Shape, classNames: [String] = []) throws {
        let sampleCount = sampleShape.count
        guard sampleShape.dims.allSatisfy({ $0 > 0 }) else {
            throw FoveaError.invalidArgument("InMemoryDataset: sample shape \(sampleShape) has an empty dimension")
        }
        guard features.count == labels.count * sampleCount else {
            throw FoveaError.invalidArgument(
                "InMemoryDataset: \(features.count) features do not make \(labels.count) samples of shape \(sampleShape)")
        }
        if let bad = labels.firstIndex(where: { $0 < 0 || (!classNames.isEmpty && Int($0) >= classNames.count) }) {
            throw FoveaError.invalidArgument(
                "InMemoryDataset: label \(labels[bad]) of sample \(bad) is outside 0..<\(classNames.isEmpty ? "∞" : String(classNames.count))"
            )
        }
        self.features = features
        self.labels = labels
        self.sampleShape = sampleShape
        self.classNames = classNames
    }

    /// Copies the samples of `dataset` into memory.
    public init(_ dataset: any Dataset) throws {
        let size = dataset.sampleShape.count
        var features = [Float](repeating: 0, count: dataset.count * size)
        try features.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<dataset.count { try dataset.copyFeatures(at: i, into: buffer.baseAddress! + i * size) }
        }
        try self.init(
            features: features, labels: (0..<dataset.count).map { Int32(dataset.label(at: $0)) },
            sampleShape: dataset.sampleShape, classNames: dataset.classNames)
    }

    public var count: Int { labels.count }
    public func label(at index: Int) -> Int { Int(labels[index]) }

    /// Sample `index`'s features (row-major in `sampleShape`) and label; reading memory cannot fail.
    public subscript(index: Int) -> (features: [Float], label: Int) {
        precondition(index >= 0 && index < count, "sample \(index) is out of range 0..<\(count)")
        let size = sampleShape.count
        return (Array(features[index * size..<(index + 1) * size]), label(at: index))
    }

    public func copyFeatures(at index: Int, into destination: UnsafeMutablePointer<Float>) {
        let size = sampleShape.count
        features.withUnsafeBufferPointer { source in
            destination.update(from: source.baseAddress! + index * size, count: size)
        }
    }

    /// The samples at `indices`, in that order (indices may repeat).
    public func subset(_ indices: [Int]) throws -> InMemoryDataset {
        let size = sampleShape.count
        if let bad = indices.first(where: { $0 < 0 || $0 >= count }) {
            throw FoveaError.invalidArgument("subset: index \(bad) is out of range 0..<\(count)")
        }
        let gathered = [Float](unsafeUninitializedCapacity: indices.count * size) { buffer, initialized in
            features.withUnsafeBufferPointer { source in
                for (row, index) in indices.enumerated() {
                    (buffer.baseAddress! + row * size).initialize(from: source.baseAddress! + index * size, count: size)
                }
            }
            initialized = indices.count * size
        }
        return try InMemoryDataset(
            features: gathered, labels: indices.map { labels[$0] },
            sampleShape: sampleShape, classNames: classNames)
    }

    /// A seeded random split: `validationFraction` of the samples (rounded) go to `validation`, the rest to `train`.
    public func split(validationFraction: Double, seed: UInt64) throws -> (train: InMemoryDataset, validation: InMemoryDataset) {
        let parts = try DatasetSubset.splitIndices(count: count, validationFraction: validationFraction, seed: seed)
        return (try subset(parts.train), try subset(parts.validation))
    }

    /// The same features with other labels (one per sample) and class names.
    public func relabeled(_ labels: [Int32], classNames: [String]) throws -> InMemoryDataset {
        try InMemoryDataset(features: features, labels: labels, sampleShape: sampleShape, classNames: classNames)
    }

    /// This dataset followed by `copies` copies of it with Gaussian noise of standard deviation `standardDeviation`
    /// added to every feature; labels are unchanged. Seeded, so reproducible.
    public func appendingNoisyCopies(_ copies: Int, standardDeviation: Float, seed: UInt64) throws -> InMemoryDataset {
        guard copies >= 0, standardDeviation >= 0 else {
            throw FoveaError.invalidArgument(
                "appendingNoisyCopies: need copies >= 0 and standard deviation >= 0, got \(copies), \(standardDeviation)")
        }
        var all = features
        all.reserveCapacity(features.count * (copies + 1))
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<copies {
            for value in features { all.append(value + standardDeviation * generator.nextGaussian()) }
        }
        return try InMemoryDataset(
            features: all, labels: Array([[Int32]](repeating: labels, count: copies + 1).joined()),
            sampleShape: sampleShape, classNames: classNames)
    }
}
