/// Pooling whose windows tile the input (stride == kernel, no padding): each window reads and writes only its own
/// elements, so no gather over covering windows is needed. 2-wide windows (the usual 2x2 pooling) go eight (or, in rows
/// of 4 to 7 windows, four) at a time: 16 (8) adjacent floats split into even and odd columns, the last group of a row
/// overlapping the previous one (it computes the same values again); other rows go one window at a time.
///
/// Every window combines its elements in row-major order with the same operations as the general path, so results match it bit for bit.
extension CPUBackend {
    typealias Lanes = SIMD8<Float>
    typealias LaneMask = SIMDMask<SIMD8<Int32>>

    static func isTiled(_ g: PoolingGeometry) -> Bool {
        g.stride == g.kernel && g.padding == Size2D(0)
    }

    static func tiledPool2d(
        _ kind: PoolKind, _ src: UnsafePointer<Float>, _ g: PoolingGeometry, into dst: UnsafeMutablePointer<Float>
    ) {
        let (height, width, outH, outW, kh) = (g.height, g.width, g.output.height, g.output.width, g.kernel.height)
        let windowSize = Lanes(repeating: Float(g.kernel.height * g.kernel.width))
        parallelFor(g.planes * outH, grain: max(1, 16_384 / max(outW * kh * g.kernel.width, 1))) { range in
            for item in range {
                let input = src + (item / outH) * height * width + (item % outH) * kh * width, out = dst + item * outW
                @inline(__always) func row(
                    _ initial: Float, _ combine: (Lanes, Lanes) -> Lanes, _ finish: (Lanes) -> Lanes,
                    _ scalarCombine: (Float, Float) -> Float, _ scalarFinish: (Float) -> Float
                ) {
                    poolRow(input, width: width, g, into: out, initial: initial, combine, finish, scalarCombine, scalarFinish)
                }
                switch kind {
                case .max:
                    row(-.infinity, { acc, v in acc.replacing(with: v, where: v .> acc) }, { $0 }, { $1 > $0 ? $1 : $0 }, { $0 })
                case .min:
                    row(.infinity, { acc, v in acc.replacing(with: v, where: v .< acc) }, { $0 }, { $1 < $0 ? $1 : $0 }, { $0 })
                case .sum: row(0, +, { $0 }, +, { $0 })
                case .average: row(0, +, { $0 / windowSize }, +, { $0 / windowSize[0] })
                case .l2: row(0, { acc, v in acc + v * v }, { $0.squareRoot() }, { $0 + $1 * $1 }, { $0.squareRoot() })
                }
            }
        }
    }

    /// One row of windows: out[ow] = finish(combine(...combine(initial, first element)..., last element)).
    @inline(__always)
    private static func poolRow(
        _ input: UnsafePointer<Float>, width: Int, _ g: PoolingGeometry, into out: UnsafeMutablePointer<Float>,
        initial: Float, _ combine: (Lanes, Lanes) -> Lanes, _ finish: (Lanes) -> Lanes,
        _ scalarCombine: (Float, Float) -> Float, _ scalarFinish: (Float) -> Float
    ) {
        let (kh, kw, outW) = (g.kernel.height, g.kernel.width, g.output.width)
        if kw == 2 && outW >= 4 {
            let lanes = outW >= 8 ? 8 : 4
            var ow = 0
            while ow < outW {
                ow = min(ow, outW - lanes)
                var acc = Lanes(repeating: initial)
                for h in 0..<kh {
                    let v = pairs(input + h * width + 2 * ow, lanes: lanes)
                    acc = combine(combine(acc, v.even), v.odd)
                }
                storeLanes(finish(acc), out + ow, lanes: lanes)
                ow += lanes
            }
            return
        }
        for ow in 0..<outW {
            var acc = initial
            for h in 0..<kh {
                for w in 0..<kw { acc = scalarCombine(acc, input[h * width + ow * kw + w]) }
            }
            out[ow] = scalarFinish(acc)
        }
    }

    static func tiledPool2dBackward(
        _ kind: PoolKind, _ gy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
        _ g: PoolingGeometry, into gx: UnsafeMutablePointer<Float>
    ) {
        let (height, width, outH, outW, kh, kw) = (
            g.height, g.width, g.output.height, g.output.width, g.kernel.height, g.kernel.width
        )
        let windowSize = Lanes(repeating: Float(kh * kw))
        parallelFor(g.planes * outH, grain: max(1, 16_384 / max(outW * kh * kw, 1))) { range in
            for item in range {
                let offset = (item / outH) * height * width + (item % outH) * kh * width
                let input = x + offset, grad = gx + offset
                @inline(__always) func row(
                    _ element: (Lanes, Lanes, Lanes, inout LaneMask) -> Lanes,
                    _ scalarElement: (Float, Float, Float, inout Bool) -> Float
                ) {
                    unpoolRow(input, gy + item * outW, y + item * outW, width: width, g, into: grad, element, scalarElement)
                }
                switch kind {
                case .max, .min:
                    // The gradient goes to the first element equal to the window's result.
                    row(
                        { value, result, gradient, taken in
                            let hit = (value .== result) .& .!taken
                            taken .|= hit
                            return Lanes(repeating: 0).replacing(with: gradient, where: hit)
                        },
                        { value, result, gradient, taken in
                            let hit = !taken && value == result
                            taken = taken || hit
                            return hit ? gradient : 0
                        })
                case .sum: row({ _, _, gradient, _ in gradient }, { _, _, gradient, _ in gradient })
                case .average:
                    row({ _, _, gradient, _ in gradient / windowSize }, { _, _, gradient, _ in gradient / windowSize[0] })
                case .l2:
                    row(
                        { value, result, gradient, _ in (gradient * value / result).replacing(with: 0, where: .!(result .> 0)) },
                        { value, result, gradient, _ in result > 0 ? gradient * value / result : 0 })
                }
                // Rows below and columns right of the last windows are read by none.
                let rows = item % outH == outH - 1 ? height - (outH - 1) * kh : kh
                for h in 0..<rows { zero(grad + h * width + outW * kw, count: width - outW * kw) }
                for h in kh..<max(kh, rows) { zero(grad + h * width, count: outW * kw) }
            }
        }
    }

    /// One row of windows' input gradient: element(value, window result, window gradient, taken) for each element in
    /// row-major order; `taken` starts false for each window and carries between its elements.
    @inline(__always)
    private static func unpoolRow(
        _ input: UnsafePointer<Float>, _ gradOut: UnsafePointer<Float>, _ output: UnsafePointer<Float>,
        width: Int, _ g: PoolingGeometry, into grad: UnsafeMutablePointer<Float>,
        _ element: (Lanes, Lanes, Lanes, inout LaneMask) -> Lanes,
        _ scalarElement: (Float, Float, Float, inout Bool) -> Float
    ) {
        let (kh, kw, outW) = (g.kernel.height, g.kernel.width, g.output.width)
        if kw == 2 && outW >= 4 {
            let lanes = outW >= 8 ? 8 : 4
            var ow = 0
            while ow < outW {
                ow = min(ow, outW - lanes)
                let result = loadLanes(output + ow, lanes: lanes), gradient = loadLanes(gradOut + ow, lanes: lanes)
                var taken = LaneMask(repeating: false)
                for h in 0..<kh {
                    let v = pairs(input + h * width + 2 * ow, lanes: lanes)
                    let even = element(v.even, result, gradient, &taken)
                    storePairs(even, element(v.odd, result, gradient, &taken), grad + h * width + 2 * ow, lanes: lanes)
                }
                ow += lanes
            }
            return
        }
        for ow in 0..<outW {
            let result = output[ow], gradient = gradOut[ow]
            var taken = false
            for h in 0..<kh {
                for w in 0..<kw {
                    let i = h * width + ow * kw + w
                    grad[i] = scalarElement(input[i], result, gradient, &taken)
                }
            }
        }
    }

    /// Even and odd columns of `2 * lanes` adjacent floats, `lanes` 8 or 4 (4 fill the eight lanes twice).
    @inline(__always)
    private static func pairs(_ p: UnsafePointer<Float>, lanes: Int) -> (even: Lanes, odd: Lanes) {
        if lanes == 8 {
            let v = load16(p)
            return (v.evenHalf, v.oddHalf)
        }
        let v = load(p)
        return (Lanes(lowHalf: v.evenHalf, highHalf: v.evenHalf), Lanes(lowHalf: v.oddHalf, highHalf: v.oddHalf))
    }

    /// Interleaves the first `lanes` of `even` and `odd` into `2 * lanes` floats at `p`.
    @inline(__always)
    private static func storePairs(_ even: Lanes, _ odd: Lanes, _ p: UnsafeMutablePointer<Float>, lanes: Int) {
        if lanes == 8 {
            var v = SIMD16<Float>()
            v.evenHalf = even
            v.oddHalf = odd
            store16(v, p)
        } else {
            var v = Lanes()
            v.evenHalf = even.lowHalf
            v.oddHalf = odd.lowHalf
            store(v, p)
        }
    }

    /// `lanes` (8 or 4) adjacent floats, 4 filling the eight lanes twice.
    @inline(__always)
    private static func loadLanes(_ p: UnsafePointer<Float>, lanes: Int) -> Lanes {
        if lanes == 8 { return load(p) }
        let v = UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
        return Lanes(lowHalf: v, highHalf: v)
    }

    /// Stores the first `lanes` (8 or 4) of `v`.
    @inline(__always)
    private static func storeLanes(_ v: Lanes, _ p: UnsafeMutablePointer<Float>, lanes: Int) {
        if lanes == 8 { store(v, p) } else { UnsafeMutableRawPointer(p).storeBytes(of: v.lowHalf, as: SIMD4<Float>.self) }
    }
}
