/// Pooling on the host: one parallel task per run of output (forward) or input (backward) rows.
extension CPUBackend: PoolingBackend {
    public func pool2d(_ kind: PoolKind, _ x: Storage, geometry g: PoolingGeometry, into y: Storage) throws {
        let src = Self.pointer(x), dst = Self.pointer(y)
        let (height, width, outH, outW) = (g.height, g.width, g.output.height, g.output.width)
        let (kh, kw, windowSize) = (g.kernel.height, g.kernel.width, Float(g.kernel.height * g.kernel.width))
        if Self.isTiled(g) {
            Self.tiledPool2d(kind, src, g, into: dst)
            return
        }
        parallelFor(g.planes * outH, grain: max(1, 16_384 / max(outW * kh * kw, 1))) { range in
            for item in range {
                let input = src + (item / outH) * height * width, out = dst + item * outW
                let h0 = (item % outH) * g.stride.height - g.padding.height
                let rows = max(h0, 0)..<min(h0 + kh, height)
                for ow in 0..<outW {
                    let w0 = ow * g.stride.width - g.padding.width
                    let columns = max(w0, 0)..<min(w0 + kw, width)
                    @inline(__always) func reduce(_ initial: Float, _ combine: (Float, Float) -> Float) -> Float {
                        var acc = initial
                        for h in rows {
                            let line = input + h * width
                            for w in columns { acc = combine(acc, line[w]) }
                        }
                        return acc
                    }
                    switch kind {
                    case .max: out[ow] = reduce(-.infinity) { $1 > $0 ? $1 : $0 }
                    case .min: out[ow] = reduce(.infinity) { $1 < $0 ? $1 : $0 }
                    case .sum: out[ow] = reduce(0, +)
                    case .average: out[ow] = reduce(0, +) / windowSize
                    case .l2: out[ow] = reduce(0) { $0 + $1 * $1 }.squareRoot()
                    }
                }
            }
        }
    }

    public func pool2dBackward(
        _ kind: PoolKind, gradOutput: Storage, input: Storage, output: Storage,
        geometry g: PoolingGeometry, into gradInput: Storage
    ) throws {
        let gy = Self.pointer(gradOutput), x = Self.pointer(input), y = Self.pointer(output), gx = Self.pointer(gradInput)
        let (height, width, outH, outW) = (g.height, g.width, g.output.height, g.output.width)
        let (kh, kw, windowSize) = (g.kernel.height, g.kernel.width, Float(g.kernel.height * g.kernel.width))
        let (sh, sw, ph, pw) = (g.stride.height, g.stride.width, g.padding.height, g.padding.width)
        if Self.isTiled(g) {
            Self.tiledPool2dBackward(kind, gy, x, y, g, into: gx)
            return
        }
        parallelFor(g.planes * height, grain: max(1, 16_384 / max(width * kh * kw, 1))) { range in
            for item in range {
                let plane = item / height, h = item % height
                let planeInput = x + plane * height * width
                let planeGrad = gy + plane * outH * outW, planeOutput = y + plane * outH * outW
                let windowRows = Self.coveringWindows(position: h, kernel: kh, stride: sh, padding: ph, outputs: outH)
                for w in 0..<width {
                    let windowColumns = Self.coveringWindows(position: w, kernel: kw, stride: sw, padding: pw, outputs: outW)
                    let value = planeInput[h * width + w]
                    var total: Float = 0
                    for oh in windowRows {
                        for ow in windowColumns {
                            let o = oh * outW + ow
                            switch kind {
                            case .sum: total += planeGrad[o]
                            case .average: total += planeGrad[o] / windowSize
                            case .l2: if planeOutput[o] > 0 { total += planeGrad[o] * value / planeOutput[o] }
                            case .max, .min:
                                let extreme = planeOutput[o]
                                guard value == extreme else { continue }
                                let h0 = oh * sh - ph, w0 = ow * sw - pw
                                if Self.isFirst(
                                    extreme, in: planeInput, width: width, rows: max(h0, 0)...h,
                                    columns: max(w0, 0)..<min(w0 + kw, width), before: w)
                                {
                                    total += planeGrad[o]
                                }
                            }
                        }
                    }
                    gx[item * width + w] = total
                }
            }
        }
    }

    /// The windows (output indices) whose span `o * stride - padding ..< + kernel` contains `position`.
    @inline(__always)
    static func coveringWindows(position: Int, kernel: Int, stride: Int, padding: Int, outputs: Int) -> Range<Int> {
        let first = position + padding - kernel + 1
        let lower = first <= 0 ? 0 : (first + stride - 1) / stride
        let upper = min(outputs, (position + padding) / stride + 1)
        return lower..<max(lower, upper)
    }

    /// Whether no element of the window before (last row of `rows`, column `before`) in row-major order equals `extreme`.
    @inline(__always)
    static func isFirst(
        _ extreme: Float, in plane: UnsafeMutablePointer<Float>, width: Int,
        rows: ClosedRange<Int>, columns: Range<Int>, before: Int
    ) -> Bool {
        for h in rows {
            let end = h == rows.upperBound ? before : columns.upperBound
            for w in columns.lowerBound..<max(columns.lowerBound, end) where plane[h * width + w] == extreme { return false }
        }
        return true
    }
}
