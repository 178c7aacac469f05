/// Reduction primitives every backend provides (filled in by the reduction op family).
public protocol ReductionBackend: AnyObject {
}
