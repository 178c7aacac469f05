import FoveaCore

/// What the targets of one model output are.
public enum TargetKind: Equatable, Sendable {
    /// One class index per sample: Int32 targets [B] (for cross-entropy; accuracy is counted).
    case classIndex
    /// Values of `shape` per sample: Float32 targets [B, ...shape] (for regression losses).
    case values(Shape)
}

/// A data set whose samples are several input tensors and several targets, one per model output: what Keras' `fit`
/// takes as `x=[a, b], y=[c, d]`. A `DataLoader` over one makes batches with one tensor per input (`Batch.allInputs`)
/// and one per target (`Batch.allTargets`), in these orders. See `InMemoryMultiTensorDataset`.
///
/// As a `Dataset` it shows its first input (`sampleShape`, `copyFeatures`) and its first class-index target (`label`).
/// A loader calls it from its background thread: conforming types must allow concurrent reads.
public protocol MultiTensorDataset: Dataset {
    /// The shape of one sample of each input, in the model's input order.
    var inputShapes: [Shape] { get }
    /// The kind of each target, in the model's output order.
    var targetKinds: [TargetKind] { get }
    /// Writes sample `index`'s `inputShapes[input].count` values of input `input` to `destination`.
    func copyInput(_ input: Int, at index: Int, into destination: UnsafeMutablePointer<Float>) throws
    /// Sample `index`'s class for target `target`, a `.classIndex` one.
    func classIndex(of target: Int, at index: Int) -> Int
    /// Writes sample `index`'s values of target `target`, a `.values(shape)` one, to `destination` (`shape.count` values).
    func copyTargetValues(of target: Int, at index: Int, into destination: UnsafeMutablePointer<Float>)
}

extension MultiTensorDataset {
    public var sampleShape: Shape { inputShapes[0] }
    public var classNames: [String] { [] }

    public func copyFeatures(at index: Int, into destination: UnsafeMutablePointer<Float>) throws {
        try copyInput(0, at: index, into: destination)
    }

    /// The class of the first class-index target; 0 when every target is a value.
    public func label(at index: Int) -> Int {
        targetKinds.firstIndex(of: .classIndex).map { classIndex(of: $0, at: index) } ?? 0
    }
}
