/// The element type of a tensor's storage.
///
/// Float32 holds values and gradients; Int32 holds class labels, `argmax` results, token ids and gather indices.
/// Half-precision storage types (Float16, BFloat16) would join as further cases with their own `byteSize`.
public enum DType: String, Sendable, CaseIterable, CustomStringConvertible {
    case float32, int32

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float32, .int32: return 4
        }
    }

    public var description: String { rawValue }
}
