/// What a pooling window computes.
///
/// The raw values are the `KIND` define of `Kernels/pool.cl`.
public enum PoolKind: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The largest element; padding counts as -infinity.
    case max
    /// The mean over the whole window, padding included as zeros (PyTorch's count_include_pad=True).
    case average
    /// The sum; padding counts as zero.
    case sum
    /// The smallest element; padding counts as +infinity.
    case min
    /// sqrt of the sum of squares; padding counts as zero.
    case l2

    public var description: String {
        switch self {
        case .max: "max"
        case .average: "average"
        case .sum: "sum"
        case .min: "min"
        case .l2: "l2"
        }
    }
}

/// The sizes of one 2-D pooling over NCHW planes (padding on every side, at most half the kernel).
public struct PoolingGeometry: Sendable, Hashable {
    /// batch * channels.
    public var planes: Int
    public var height: Int, width: Int
    public var kernel: Size2D, stride: Size2D, padding: Size2D
    public var output: Size2D

    public init(planes: Int, height: Int, width: Int, kernel: Size2D, stride: Size2D, padding: Size2D, output: Size2D) {
        self.planes = planes; self.height = height; self.width = width
        self.kernel = kernel; self.stride = stride; self.padding = padding; self.output = output
    }
}

/// Pooling primitives.
public protocol PoolingBackend: AnyObject {
    /// y[plane, oh, ow] = the `kind` reduction of x's window at (oh * stride - padding).
    func pool2d(_ kind: PoolKind, _ x: Storage, geometry: PoolingGeometry, into y: Storage) throws
    /// The gradient with respect to x, as a gather over the windows covering each element (deterministic, no atomics).
    /// `output` is the forward result; max/min send a window's gradient to its first extreme element in row-major order.
    func pool2dBackward(
        _ kind: PoolKind, gradOutput: Storage, input: Storage, output: Storage,
        geometry: PoolingGeometry, into gradInput: Storage) throws
}
