/// Normalization primitives every backend provides (filled in by the normalization op family).
public protocol NormalizationBackend: AnyObject {
}
