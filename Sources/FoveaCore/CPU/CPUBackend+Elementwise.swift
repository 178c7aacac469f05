import Foundation

extension CPUBackend: ElementwiseBackend {
    public func unary(_ op: UnaryOp, x: Storage, xOffset: Int, out: Storage, count: Int, alpha: Float, beta: Float) throws {
        let src = Self.pointer(x) + xOffset, dst = Self.pointer(out)
        parallelFor(count) { range in
            Self.unary(op, src + range.lowerBound, dst + range.lowerBound, count: range.count, alpha: alpha, beta: beta)
        }
    }

    /// One chunk of `unary`: the switch runs once per chunk, so each case's loop is compiled (and vectorized) on its own.
    private static func unary(
        _ op: UnaryOp, _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int,
        alpha: Float, beta: Float
    ) {
        @inline(__always) func map(_ f: (Float) -> Float) {
            for i in 0..<count { dst[i] = f(src[i]) }
        }
        switch op {
        case .neg: map { -$0 }
        case .abs: map { Swift.abs($0) }
        case .exp: map { exp($0) }
        case .log: map { log($0) }
        case .sqrt: map { $0.squareRoot() }
        case .square: map { $0 * $0 }
        case .relu: map { $0 < 0 ? 0 : $0 }  // NaN stays NaN, as in PyTorch
        case .leakyRelu: map { $0 > 0 ? $0 : alpha * $0 }
        case .elu: map { $0 > 0 ? $0 : alpha * expm1($0) }
        case .sigmoid: map(Self.sigmoid)
        case .tanh: map { tanh($0) }
        case .gelu: map { 0.5 * $0 * (1 + erf($0 * Float(0.5).squareRoot())) }
        case .clamp: map { Swift.min(Swift.max($0, alpha), beta) }
        case .pow: map { pow($0, alpha) }
        case .affine: map { alpha * $0 + beta }
        case .divide: map { $0 / alpha }
        case .reciprocal: map { alpha / $0 }
        case .eq: map { $0 == alpha ? 1 : 0 }
        case .ne: map { $0 != alpha ? 1 : 0 }
        case .lt: map { $0 < alpha ? 1 : 0 }
        case .le: map { $0 <= alpha ? 1 : 0 }
        case .gt: map { $0 > alpha ? 1 : 0 }
        case .ge: map { $0 >= alpha ? 1 : 0 }
        }
    }

    public func unaryBackward(
        _ op: UnaryOp, x: Storage, y: Storage, gradOut: Storage, gradIn: Storage,
        count: Int, alpha: Float, beta: Float
    ) throws {
        let xs = Self.pointer(x), ys = Self.pointer(y), gs = Self.pointer(gradOut), dst = Self.pointer(gradIn)
        parallelFor(count) { range in
            let start = range.lowerBound
            Self.unaryBackward(op, xs + start, ys + start, gs + start, dst + start, count: range.count, alpha: alpha, beta: beta)
        }
    }

    /// One chunk of `unaryBackward`, switched once per chunk like `unary`.
    private static func unaryBackward(
        _ op: UnaryOp, _ xs: UnsafePointer<Float>, _ ys: UnsafePointer<Float>, _ gs: UnsafePointer<Float>,
        _ dst: UnsafeMutablePointer<Float>, count: Int, alpha: Float, beta: Float
    ) {
        /// f(x, y, g) -> gradient of the input.
        @inline(__always) func map(_ f: (Float, Float, Float) -> Float) {
            for i in 0..<count { dst[i] = f(xs[i], ys[i], gs[i]) }
        }
        switch op {
        case .neg: map { _, _, g in -g }
        case .abs: map { x, _, g in x > 0 ? g : (x < 0 ? -g : 0) }
        case .exp: map { _, y, g in g * y }
        case .log: map { x, _, g in g / x }
        case .sqrt: map { _, y, g in g / (2 * y) }
        case .square: map { x, _, g in 2 * x * g }
        case .relu: map { x, _, g in x > 0 ? g : 0 }
        case .leakyRelu: map { x, _, g in x > 0 ? g : alpha * g }
        case .elu: map { x, y, g in x > 0 ? g : g * (y + alpha) }
        case .sigmoid: map { _, y, g in g * y * (1 - y) }
        case .tanh: map { _, y, g in g * (1 - y * y) }
        case .gelu:
            map { x, _, g in
                let cdf = 0.5 * (1 + erf(x * Float(0.5).squareRoot()))
                let pdf = exp(-0.5 * x * x) / (2 * Float.pi).squareRoot()
                return g * (cdf + x * pdf)
            }
        case .clamp: map { x, _, g in x >= alpha && x <= beta ? g : 0 }
        case .pow: map { x, _, g in alpha == 0 ? 0 : g * alpha * pow(x, alpha - 1) }
        case .affine: map { _, _, g in alpha * g }
        case .divide: map { _, _, g in g / alpha }
        case .reciprocal: map { x, y, g in -g * y / x }
        case .eq, .ne, .lt, .le, .gt, .ge: map { _, _, _ in 0 }
        }
    }

    public func binary(
        _ op: BinaryOp, a: Storage, aOffset: Int, aStrides: [Int], b: Storage, bOffset: Int, bStrides: [Int], out: Storage,
        outShape: Shape
    ) throws {
        let layout = BroadcastLayout(shape: outShape, operandStrides: [aStrides, bStrides])
        try layout.checkRank(op: "binary \(op)")
        let pa = Self.pointer(a) + aOffset, pb = Self.pointer(b) + bOffset, dst = Self.pointer(out)
        let count = outShape.count
        switch layout.kind {
        case .contiguous:
            parallelFor(count) { r in
                Self.binary(op, pa + r.lowerBound, 1, pb + r.lowerBound, 1, dst + r.lowerBound, count: r.count)
            }
        case .scalar(scalarOperand: 0):
            parallelFor(count) { r in Self.binary(op, pa, 0, pb + r.lowerBound, 1, dst + r.lowerBound, count: r.count) }
        case .scalar:
            parallelFor(count) { r in Self.binary(op, pa + r.lowerBound, 1, pb, 0, dst + r.lowerBound, count: r.count) }
        case .strided:
            let sa = layout.strides[0].last!, sb = layout.strides[1].last!
            Self.forEachRow(layout) { row, offsets, n in
                Self.binary(op, pa + offsets[0], sa, pb + offsets[1], sb, dst + row * n, count: n)
            }
        }
    }

    /// dst[j] = op(a[j * strideA], b[j * strideB]) for j < count, switched once per call like `unary`.
    private static func binary(
        _ op: BinaryOp, _ a: UnsafePointer<Float>, _ strideA: Int, _ b: UnsafePointer<Float>, _ strideB: Int,
        _ dst: UnsafeMutablePointer<Float>, count: Int
    ) {
        @inline(__always) func map(_ f: (Float, Float) -> Float) {
            switch (strideA, strideB) {
            case (1, 1): for j in 0..<count { dst[j] = f(a[j], b[j]) }
            case (0, 1): let s = a[0]; for j in 0..<count { dst[j] = f(s, b[j]) }
            case (1, 0): let s = b[0]; for j in 0..<count { dst[j] = f(a[j], s) }
            default: for j in 0..<count { dst[j] = f(a[j * strideA], b[j * strideB]) }
            }
        }
        switch op {
        case .add: map(+)
        case .sub: map(-)
        case .mul: map(*)
        case .div: map(/)
        case .pow: map { pow($0, $1) }
        case .maximum: map { $0 > $1 || $0.isNaN ? $0 : $1 }
        case .minimum: map { $0 < $1 || $0.isNaN ? $0 : $1 }
        case .eq: map { $0 == $1 ? 1 : 0 }
        case .ne: map { $0 != $1 ? 1 : 0 }
        case .lt: map { $0 < $1 ? 1 : 0 }
        case .le: map { $0 <= $1 ? 1 : 0 }
        case .gt: map { $0 > $1 ? 1 : 0 }
        case .ge: map { $0 >= $1 ? 1 : 0 }
        }
    }

    public func binaryInt32(
        _ op: BinaryOp, a: Storage, aOffset: Int, aStrides: [Int], b: Storage, bOffset: Int, bStrides: [Int], out: Storage,
        outShape: Shape
    ) throws {
        let layout = BroadcastLayout(shape: outShape, operandStrides: [aStrides, bStrides])
        try layout.checkRank(op: "binary \(op)")
        let pa = Self.int32Pointer(a) + aOffset, pb = Self.int32Pointer(b) + bOffset, dst = Self.int32Pointer(out)
        let f: (Int32, Int32) -> Int32
        switch op {
        case .add: f = { $0 &+ $1 }
        case .sub: f = { $0 &- $1 }
        case .mul: f = { $0 &* $1 }
        case .maximum: f = { Swift.max($0, $1) }
        case .minimum: f = { Swift.min($0, $1) }
        case .eq: f = { $0 == $1 ? 1 : 0 }
        case .ne: f = { $0 != $1 ? 1 : 0 }
        case .lt: f = { $0 < $1 ? 1 : 0 }
        case .le: f = { $0 <= $1 ? 1 : 0 }
        case .gt: f = { $0 > $1 ? 1 : 0 }
        case .ge: f = { $0 >= $1 ? 1 : 0 }
        case .div, .pow: throw FoveaError.unsupportedDType(op: "binary \(op)", .int32)
        }
        Self.forEachRow(layout) { row, offsets, n in
            let sa = layout.strides[0].last ?? 0, sb = layout.strides[1].last ?? 0
            let ra = pa + offsets[0], rb = pb + offsets[1], rd = dst + row * n
            for j in 0..<n { rd[j] = f(ra[j * sa], rb[j * sb]) }
        }
    }

    public func convert(_ x: Storage, into out: Storage, count: Int) throws {
        switch (x.dtype, out.dtype) {
        case (.float32, .int32):
            let src = Self.pointer(x), dst = Self.int32Pointer(out)
            parallelFor(count) { r in
                for i in r {
                    let v = src[i]
                    dst[i] = v.isNaN ? 0 : v >= 2_147_483_648 ? .max : v <= -2_147_483_648 ? .min : Int32(v.rounded(.towardZero))
                }
            }
        case (.int32, .float32):
            let src = Self.int32Pointer(x), dst = Self.pointer(out)
            parallelFor(count) { r in for i in r { dst[i] = Float(src[i]) } }
        default:
            try copy(from: x, offset: 0, to: out, offset: 0, count: count)
        }
    }

    public func expand(_ x: Storage, offset: Int, strides: [Int], into out: Storage, shape: Shape) throws {
        let layout = BroadcastLayout(shape: shape, operandStrides: [strides])
        try layout.checkRank(op: "expand")
        let src = Self.words(x) + offset, dst = Self.words(out)
        if layout.kind == .contiguous {
            dst.update(from: src, count: shape.count)
            return
        }
        Self.forEachRow(layout) { row, offsets, n in
            let s = layout.strides[0].last!, rs = src + offsets[0], rd = dst + row * n
            for j in 0..<n { rd[j] = rs[j * s] }
        }
    }

    public func scatterStrided(_ x: Storage, into out: Storage, offset: Int, strides: [Int], shape: Shape, accumulate: Bool)
        throws
    {
        let layout = BroadcastLayout(shape: shape, operandStrides: [strides])
        try layout.checkRank(op: "scatterStrided")
        let s = layout.strides[0].last ?? 1
        if accumulate {
            let src = Self.pointer(x), dst = Self.pointer(out) + offset
            Self.forEachRow(layout) { row, offsets, n in
                let rs = src + row * n, rd = dst + offsets[0]
                for j in 0..<n { rd[j * s] += rs[j] }
            }
        } else {
            let src = Self.words(x), dst = Self.words(out) + offset
            Self.forEachRow(layout) { row, offsets, n in
                let rs = src + row * n, rd = dst + offsets[0]
                for j in 0..<n { rd[j * s] = rs[j] }
            }
        }
    }

    /// Numerically stable logistic function.
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        if x >= 0 { return 1 / (1 + exp(-x)) }
        let e = exp(x)
        return e / (1 + e)
    }

    /// Calls `body(row, operandOffsets, rowLength)` for every row (all axes but the last) of a strided layout, in parallel.
    @inline(__always)
    static func forEachRow(_ layout: BroadcastLayout, _ body: (Int, [Int], Int) -> Void) {
        let n = layout.dims.last ?? 1
        let rows = layout.dims.dropLast().reduce(1, *)
        let outerDims = Array(layout.dims.dropLast())
        parallelFor(rows, grain: Swift.max(1, 16_384 / Swift.max(n, 1))) { range in
            var offsets = [Int](repeating: 0, count: layout.strides.count)
            for row in range {
                var remaining = row
                for k in offsets.indices { offsets[k] = 0 }
                for axis in stride(from: outerDims.count - 1, through: 0, by: -1) {
                    let index = remaining % outerDims[axis]
                    remaining /= outerDims[axis]
                    for k in offsets.indices { offsets[k] += index * layout.strides[k][axis] }
                }
                body(row, offsets, n)
            }
        }
    }
}
