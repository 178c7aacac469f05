/// Elementwise maps of one tensor, with a scalar parameter or two. The raw values are shared with `Kernels/elementwise.cl`.
public enum UnaryOp: Int, Sendable, CaseIterable {
    case neg = 0, abs, exp, log, sqrt, square, relu
    /// x > 0 ? x : alpha * x
    case leakyRelu
    /// x > 0 ? x : alpha * (e^x - 1)
    case elu
    case sigmoid, tanh
    /// Exact GELU: x * Φ(x), with Φ the standard normal CDF (erf form).
    case gelu
    /// min(max(x, alpha), beta); pass ±infinity for a missing bound.
    case clamp
    /// x ^ alpha
    case pow
    /// alpha * x + beta (scalar add, subtract, multiply, and scalar - x).
    case affine
    /// x / alpha
    case divide
    /// alpha / x
    case reciprocal
    /// Comparisons of x with alpha, giving 1 or 0 (no gradient).
    case eq, ne, lt, le, gt, ge
}

/// Elementwise ops of two tensors under NumPy broadcasting. The raw values are shared with `Kernels/elementwise.cl`.
public enum BinaryOp: Int, Sendable, CaseIterable {
    case add = 0, sub, mul, div, pow, maximum, minimum
    /// Comparisons giving 1 or 0 (no gradient).
    case eq, ne, lt, le, gt, ge

    /// Whether `binaryInt32` takes this op (all but div and pow).
    public var supportsInt32: Bool { self != .div && self != .pow }
    /// Whether the op compares (1 where true, 0 elsewhere).
    public var isComparison: Bool { rawValue >= BinaryOp.eq.rawValue }
}

/// Unary and broadcasting binary elementwise primitives.
public protocol ElementwiseBackend: AnyObject {
    /// out[i] = op(x[xOffset + i]) for `count` elements; `alpha` and `beta` are the op's scalar parameters (see
    /// `UnaryOp`). The offset lets contiguous views (slices, time steps) be read in place.
    func unary(_ op: UnaryOp, x: Storage, xOffset: Int, out: Storage, count: Int, alpha: Float, beta: Float) throws
    /// gradIn[i] = gradOut[i] * op'(x[i]); `y` is the forward output (reused by exp, sqrt, sigmoid, tanh, elu, reciprocal).
    func unaryBackward(
        _ op: UnaryOp, x: Storage, y: Storage, gradOut: Storage, gradIn: Storage,
        count: Int, alpha: Float, beta: Float) throws
    /// out = op(a, b) over `outShape`; operands are read from their offsets through strides (0 on broadcast axes, see
    /// `Shape.broadcastStrides`), so views need no copy.
    func binary(
        _ op: BinaryOp, a: Storage, aOffset: Int, aStrides: [Int], b: Storage, bOffset: Int, bStrides: [Int], out: Storage,
        outShape: Shape) throws
    /// out = op(a, b) over Int32 operands read from their offsets through strides, into Int32 `out` (comparisons give 1
    /// or 0). Only ops with `supportsInt32`.
    func binaryInt32(
        _ op: BinaryOp, a: Storage, aOffset: Int, aStrides: [Int], b: Storage, bOffset: Int, bStrides: [Int], out: Storage,
        outShape: Shape) throws
    /// Copies `x` (any 4-byte dtype), read from element `offset` through `strides` (0 on broadcast axes), into the
    /// contiguous `out` of `shape`: broadcasts, permutes and subscripts.
    func expand(_ x: Storage, offset: Int, strides: [Int], into out: Storage, shape: Shape) throws
    /// The reverse of a strided read: out[offset + sum_k i_k * strides[k]] = x[i] for the contiguous `x` of `shape` (any
    /// 4-byte dtype), or += for Float32 when `accumulate` (a subscript's backward). `strides` must not map two elements to
    /// one place (no broadcast axes).
    func scatterStrided(_ x: Storage, into out: Storage, offset: Int, strides: [Int], shape: Shape, accumulate: Bool) throws
    /// Converts `count` elements from x's dtype to out's: Float32 to Int32 rounds toward zero and saturates (NaN gives 0).
    func convert(_ x: Storage, into out: Storage, count: Int) throws
}

extension ElementwiseBackend {
    /// `unary` reading `x` from its first element.
    public func unary(_ op: UnaryOp, x: Storage, out: Storage, count: Int, alpha: Float, beta: Float) throws {
        try unary(op, x: x, xOffset: 0, out: out, count: count, alpha: alpha, beta: beta)
    }

    /// `binary` with both operands read from their first element.
    public func binary(_ op: BinaryOp, a: Storage, aStrides: [Int], b: Storage, bStrides: [Int], out: Storage, outShape: Shape)
        throws
    {
        try binary(op, a: a, aOffset: 0, aStrides: aStrides, b: b, bOffset: 0, bStrides: bStrides, out: out, outShape: outShape)
    }

    /// `binaryInt32` with both operands read from their first element.
    public func binaryInt32(
        _ op: BinaryOp, a: Storage, aStrides: [Int], b: Storage, bStrides: [Int], out: Storage, outShape: Shape
    ) throws {
        try binaryInt32(
            op, a: a, aOffset: 0, aStrides: aStrides, b: b, bOffset: 0, bStrides: bStrides, out: out, outShape: outShape)
    }
}

/// How a broadcasting elementwise op walks memory, with contiguous runs of axes merged so kernels see few axes.
struct BroadcastLayout: Equatable {
    enum Kind: Equatable {
        /// Every operand is read at the output index.
        case contiguous
        /// Operand `scalarOperand` (0 or 1) is one value; the other is read at the output index.
        case scalar(scalarOperand: Int)
        /// General: `dims` (outermost first) with per-operand strides.
        case strided
    }

    let kind: Kind
    let dims: [Int]
    let strides: [[Int]]

    /// Merges axes of `shape` for operands read through `operandStrides` (each of rank `shape.rank`).
    init(shape: Shape, operandStrides: [[Int]]) {
        var dims: [Int] = []
        var strides: [[Int]] = operandStrides.map { _ in [] }
        for axis in 0..<shape.rank where shape[axis] != 1 {
            let size = shape[axis]
            if let last = dims.last,
                operandStrides.indices.allSatisfy({ strides[$0].last! == operandStrides[$0][axis] * size })
            {
                dims[dims.count - 1] = last * size
                for k in strides.indices { strides[k][strides[k].count - 1] = operandStrides[k][axis] }
            } else {
                dims.append(size)
                for k in strides.indices { strides[k].append(operandStrides[k][axis]) }
            }
        }
        self.dims = dims
        self.strides = strides
        let contiguous = strides.map { dims.count <= 1 && ($0.first ?? 1) == 1 }
        let scalar = strides.map { $0.allSatisfy { $0 == 0 } }
        if dims.isEmpty || contiguous.allSatisfy({ $0 }) {
            kind = .contiguous
        } else if strides.count == 2, contiguous[0] || contiguous[1], scalar[0] || scalar[1] {
            kind = .scalar(scalarOperand: scalar[0] ? 0 : 1)
        } else {
            kind = .strided
        }
    }

    /// The most axes a strided kernel takes after merging.
    static let maxRank = 8

    /// Throws when the merged layout has more axes than kernels take.
    func checkRank(op: String) throws {
        guard dims.count <= Self.maxRank else {
            throw FoveaError.invalidArgument(
                "\(op): broadcast layout needs \(dims.count) axes after merging; at most \(Self.maxRank) are supported")
        }
    }
}
