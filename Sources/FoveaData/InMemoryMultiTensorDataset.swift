import FoveaCore

/// A `MultiTensorDataset` held in memory: each input's features in one row-major `[Float]` (sample after sample) and
/// each output's targets in one array, as Keras' `fit(x=[a, b], y=[c, d])` takes them.
///
///     let data = try InMemoryMultiTensorDataset(
///         inputs: [(features: images, shape: [1, 28, 28]), (features: metadata, shape: [4])],
///         targets: [.classes(labels), .values(prices, shape: [1])])
public struct InMemoryMultiTensorDataset: MultiTensorDataset, Sendable {
    /// The targets of one model output, for every sample.
    public enum Targets: Sendable {
        /// One class index per sample (cross-entropy targets; accuracy is counted).
        case classes([Int32])
        /// `shape.count` values per sample, sample after sample (regression targets).
        case values([Float], shape: Shape)
    }

    /// Each input's features, `count * shape.count` values, and its sample shape.
    public let inputs: [(features: [Float], shape: Shape)]
    /// Each output's targets.
    public let targets: [Targets]
    public let count: Int

    /// Throws unless there is at least one input and one target, every shape is non-empty, every array holds the same
    /// number of samples, and class indices are not negative.
    public init(inputs: [(features: [Float], shape: Shape)], targets: [Targets]) throws {
        guard !inputs.isEmpty, !targets.isEmpty else {
            throw FoveaError.invalidArgument(
                "InMemoryMultiTensorDataset: needs at least one input and one target, got \(inputs.count) and \(targets.count)")
        }
        let samples = targets[0].sampleCount
        for (index, target) in targets.enumerated() {
            switch target {
            case .classes(let labels):
                if let bad = labels.firstIndex(where: { $0 < 0 }) {
                    throw FoveaError.invalidArgument(
                        "InMemoryMultiTensorDataset: target \(index) has class \(labels[bad]) at sample \(bad)")
                }
            case .values(let values, let shape):
                guard shape.dims.allSatisfy({ $0 > 0 }), values.count % shape.count == 0 else {
                    throw FoveaError.invalidArgument(
                        "InMemoryMultiTensorDataset: target \(index) has \(values.count) values, not samples of shape \(shape)")
                }
            }
            guard target.sampleCount == samples else {
                throw FoveaError.invalidArgument(
                    "InMemoryMultiTensorDataset: target \(index) has \(target.sampleCount) samples, target 0 has \(samples)")
            }
        }
        for (index, input) in inputs.enumerated() {
            guard input.shape.dims.allSatisfy({ $0 > 0 }), input.features.count == samples * input.shape.count else {
                throw FoveaError.invalidArgument(
                    "InMemoryMultiTensorDataset: input \(index) has \(input.features.count) features, "
                        + "not \(samples) samples of shape \(input.shape)")
            }
        }
        self.inputs = inputs
        self.targets = targets
        count = samples
    }

    public var inputShapes: [Shape] { inputs.map(\.shape) }

    public var targetKinds: [TargetKind] {
        targets.map { target in
            switch target {
            case .classes: .classIndex
            case .values(_, let shape): .values(shape)
            }
        }
    }

    public func copyInput(_ input: Int, at index: Int, into destination: UnsafeMutablePointer<Float>) {
        let size = inputs[input].shape.count
        inputs[input].features.withUnsafeBufferPointer { destination.update(from: $0.baseAddress! + index * size, count: size) }
    }

    public func classIndex(of target: Int, at index: Int) -> Int {
        guard case .classes(let labels) = targets[target] else {
            preconditionFailure("target \(target) holds values, not classes")
        }
        return Int(labels[index])
    }

    public func copyTargetValues(of target: Int, at index: Int, into destination: UnsafeMutablePointer<Float>) {
        guard case .values(let values, let shape) = targets[target] else {
            preconditionFailure("target \(target) holds classes, not values")
        }
        values.withUnsafeBufferPointer { destination.update(from: $0.baseAddress! + index * shape.count, count: shape.count) }
    }

    /// The samples at `indices`, in that order (indices may repeat).
    public func subset(_ indices: [Int]) throws -> InMemoryMultiTensorDataset {
        if let bad = indices.first(where: { $0 < 0 || $0 >= count }) {
            throw FoveaError.invalidArgument("subset: index \(bad) is out of range 0..<\(count)")
        }
        func gather<T>(_ values: [T], size: Int) -> [T] {
            indices.flatMap { values[$0 * size..<($0 + 1) * size] }
        }
        return try InMemoryMultiTensorDataset(
            inputs: inputs.map { (gather($0.features, size: $0.shape.count), $0.shape) },
            targets: targets.map { target in
                switch target {
                case .classes(let labels): .classes(gather(labels, size: 1))
                case .values(let values, let shape): .values(gather(values, size: shape.count), shape: shape)
                }
            })
    }

    /// A seeded random split, the same as `InMemoryDataset.split` makes of as many samples: `validationFraction` of
    /// them (rounded) go to `validation`, the rest to `train`.
    public func split(validationFraction: Double, seed: UInt64) throws
        -> (train: InMemoryMultiTensorDataset, validation: InMemoryMultiTensorDataset)
    {
        let parts = try DatasetSubset.splitIndices(count: count, validationFraction: validationFraction, seed: seed)
        return (try subset(parts.train), try subset(parts.validation))
    }
}

extension InMemoryMultiTensorDataset.Targets {
    /// How many samples these targets cover.
    var sampleCount: Int {
        switch self {
        case .classes(let labels): labels.count
        case .values(let values, let shape): shape.count > 0 ? values.count / shape.count : 0
        }
    }
}
