/// Loss primitives every backend provides (filled in by the loss op family).
public protocol LossBackend: AnyObject {
}
