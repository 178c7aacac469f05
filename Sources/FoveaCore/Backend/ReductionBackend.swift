/// How `reduce` combines the elements along an axis.
public enum ReduceOp: Int, Sendable, CaseIterable {
    case sum = 0, mean, max, min
}

/// Reductions and softmax along one axis of a contiguous tensor seen as (outer, size, inner):
/// element (o, s, i) lives at (o * size + s) * inner + i, and results at o * inner + i.
public protocol ReductionBackend: AnyObject {
    /// out[o, i] = op over s of x[o, s, i].
    func reduce(_ op: ReduceOp, x: Storage, outer: Int, size: Int, inner: Int, out: Storage) throws
    /// out[o, i] = sum, max or min (not mean) over s of the Int32 x[o, s, i], into Int32 `out` (sums wrap on overflow).
    func reduceInt32(_ op: ReduceOp, x: Storage, outer: Int, size: Int, inner: Int, out: Storage) throws
    /// out[o, i] = the first s where x[o, s, i] is largest, into Int32 `out`.
    func argmax(x: Storage, outer: Int, size: Int, inner: Int, out: Storage) throws
    /// out = softmax (or log-softmax when `log`) of x along the middle axis, computed stably (max subtracted).
    func softmax(x: Storage, outer: Int, size: Int, inner: Int, out: Storage, log: Bool) throws
    /// gradIn from the forward output `y` and `gradOut`: y * (g - sum(g * y)) for softmax, g - exp(y) * sum(g) for log-softmax.
    func softmaxBackward(y: Storage, gradOut: Storage, outer: Int, size: Int, inner: Int, gradIn: Storage, log: Bool) throws
}
