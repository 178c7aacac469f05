/// Elementwise primitives every backend provides (filled in by the elementwise op family).
public protocol ElementwiseBackend: AnyObject {
}
