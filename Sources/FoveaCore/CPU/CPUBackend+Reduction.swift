import Foundation

extension CPUBackend: ReductionBackend {
    public func reduce(_ op: ReduceOp, x: Storage, outer: Int, size: Int, inner: Int, out: Storage) throws {
        let src = Self.pointer(x), dst = Self.pointer(out)
        let scale: Float = op == .mean ? 1 / Float(size) : 1
        if inner == 1 {
            parallelFor(outer, grain: Swift.max(1, 16_384 / Swift.max(size, 1))) { range in
                for o in range { dst[o] = Self.reduceContiguous(op, src + o * size, size) * scale }
            }
            return
        }
        // Rows of `inner` elements are combined a block of columns at a time, so the inner loop runs over contiguous memory.
        let block = 256, blocks = (inner + block - 1) / block
        let identity: Float = op == .max ? -.infinity : (op == .min ? .infinity : 0)
        parallelFor(outer * blocks, grain: Swift.max(1, 16_384 / Swift.max(size * block, 1))) { range in
            for task in range {
                let o = task / blocks, start = (task % blocks) * block, end = Swift.min(inner, start + block)
                let d = dst + o * inner
                for i in start..<end { d[i] = identity }
                for s in 0..<size {
                    let row = src + (o * size + s) * inner
                    switch op {
                    case .sum, .mean: for i in start..<end { d[i] += row[i] }
                    case .max: for i in start..<end where row[i] > d[i] { d[i] = row[i] }
                    case .min: for i in start..<end where row[i] < d[i] { d[i] = row[i] }
                    }
                }
                if scale != 1 { for i in start..<end { d[i] *= scale } }
            }
        }
    }

    /// op over n contiguous values, eight lanes at a time.
    @inline(__always)
    static func reduceContiguous(_ op: ReduceOp, _ p: UnsafePointer<Float>, _ n: Int) -> Float {
        let raw = UnsafeRawPointer(p)
        var i = 0
        switch op {
        case .sum, .mean:
            var lanes = SIMD8<Float>()
            while i + 8 <= n { lanes += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self); i += 8 }
            var total = lanes.sum()
            while i < n { total += p[i]; i += 1 }
            return total
        case .max:
            var lanes = SIMD8<Float>(repeating: -.infinity)
            while i + 8 <= n {
                lanes = pointwiseMax(lanes, raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)); i += 8
            }
            var best = lanes.max()
            while i < n { best = Swift.max(best, p[i]); i += 1 }
            return best
        case .min:
            var lanes = SIMD8<Float>(repeating: .infinity)
            while i + 8 <= n {
                lanes = pointwiseMin(lanes, raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)); i += 8
            }
            var best = lanes.min()
            while i < n { best = Swift.min(best, p[i]); i += 1 }
            return best
        }
    }

    public func reduceInt32(_ op: ReduceOp, x: Storage, outer: Int, size: Int, inner: Int, out: Storage) throws {
        let combine: (Int32, Int32) -> Int32
        switch op {
        case .sum: combine = { $0 &+ $1 }
        case .max: combine = { Swift.max($0, $1) }
        case .min: combine = { Swift.min($0, $1) }
        case .mean: throw FoveaError.unsupportedDType(op: "mean", .int32)
        }
        let src = Self.int32Pointer(x), dst = Self.int32Pointer(out)
        parallelFor(outer * inner, grain: Swift.max(1, 16_384 / Swift.max(size, 1))) { range in
            for row in range {
                let p = src + (row / inner) * size * inner + row % inner
                var value: Int32 = size > 0 ? p[0] : 0
                for s in 1..<Swift.max(size, 1) { value = combine(value, p[s * inner]) }
                dst[row] = value
            }
        }
    }

    public func argmax(x: Storage, outer: Int, size: Int, inner: Int, out: Storage) throws {
        let src = Self.pointer(x), dst = Self.int32Pointer(out)
        parallelFor(outer * inner, grain: Swift.max(1, 16_384 / Swift.max(size, 1))) { range in
            for row in range {
                let p = src + (row / inner) * size * inner + row % inner
                var best = 0
                for s in 1..<Swift.max(size, 1) where p[s * inner] > p[best * inner] { best = s }
                dst[row] = Int32(best)
            }
        }
    }

    public func softmax(x: Storage, outer: Int, size: Int, inner: Int, out: Storage, log: Bool) throws {
        let src = Self.pointer(x), dst = Self.pointer(out)
        parallelFor(outer * inner, grain: Swift.max(1, 16_384 / Swift.max(size, 1))) { range in
            for row in range {
                let base = (row / inner) * size * inner + row % inner
                let xs = src + base, ys = dst + base
                var largest = -Float.infinity
                for s in 0..<size { largest = Swift.max(largest, xs[s * inner]) }
                var total: Float = 0
                for s in 0..<size {
                    let e = exp(xs[s * inner] - largest)
                    total += e
                    if !log { ys[s * inner] = e }
                }
                if log {
                    let logTotal = logf(total)
                    for s in 0..<size { ys[s * inner] = (xs[s * inner] - largest) - logTotal }
                } else {
                    let inverse = 1 / total
                    for s in 0..<size { ys[s * inner] *= inverse }
                }
            }
        }
    }

    public func softmaxBackward(y: Storage, gradOut: Storage, outer: Int, size: Int, inner: Int, gradIn: Storage, log: Bool)
        throws
    {
        let ys = Self.pointer(y), gs = Self.pointer(gradOut), dst = Self.pointer(gradIn)
        parallelFor(outer * inner, grain: Swift.max(1, 16_384 / Swift.max(size, 1))) { range in
            for row in range {
                let base = (row / inner) * size * inner + row % inner
                let y = ys + base, g = gs + base, d = dst + base
                var total: Float = 0
                if log {
                    for s in 0..<size { total += g[s * inner] }
                    for s in 0..<size { d[s * inner] = g[s * inner] - exp(y[s * inner]) * total }
                } else {
                    for s in 0..<size { total += g[s * inner] * y[s * inner] }
                    for s in 0..<size { d[s * inner] = y[s * inner] * (g[s * inner] - total) }
                }
            }
        }
    }
}
