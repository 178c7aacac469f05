/// Optimizer primitives every backend provides (filled in by the optimizer op family).
public protocol OptimizerBackend: AnyObject {
}
