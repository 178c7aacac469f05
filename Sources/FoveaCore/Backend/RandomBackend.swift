/// Random primitives every backend provides (filled in by the random op family).
public protocol RandomBackend: AnyObject {
}
