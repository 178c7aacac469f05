/// Pooling primitives every backend provides (filled in by the pooling op family).
public protocol PoolingBackend: AnyObject {
}
