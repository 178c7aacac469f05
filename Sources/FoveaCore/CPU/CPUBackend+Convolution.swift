/// Convolution on the host: the column primitives as parallel loops; the whole ops use the protocol's im2col + OpenBLAS GEMM.
extension CPUBackend: ConvolutionBackend {
    public func im2col(_ x: Storage, geometry g: ConvolutionGeometry, batchStart: Int, batchCount: Int, into columns: Storage) throws {
        let src = Self.pointer(x), dst = Self.pointer(columns)
        let (channels, height, width) = (g.inChannels, g.height, g.width)
        let (kh, kw, outW, plane) = (g.kernel.height, g.kernel.width, g.output.width, g.outputPlane)
        let m = batchCount * plane
        parallelFor(channels * kh * kw * batchCount, grain: max(1, 16_384 / max(plane, 1))) { range in
            for item in range {
                let row = item / batchCount, n = item % batchCount
                let j = row % kw, i = (row / kw) % kh, c = row / (kw * kh)
                let image = src + ((batchStart + n) * channels + c) * height * width
                let out = dst + row * m + n * plane
                let wOffset = j * g.dilation.width - g.padding.width
                let valid = Self.validOutputs(offset: wOffset, stride: g.stride.width, size: width, outputs: outW)
                for oh in 0..<g.output.height {
                    let o = out + oh * outW
                    let h = oh * g.stride.height - g.padding.height + i * g.dilation.height
                    guard h >= 0, h < height else { o.update(repeating: 0, count: outW); continue }
                    let line = image + h * width
                    o.update(repeating: 0, count: valid.lowerBound)
                    if g.stride.width == 1 {
                        (o + valid.lowerBound).update(from: line + (valid.lowerBound + wOffset), count: valid.count)
                    } else {
                        for ow in valid { o[ow] = line[ow * g.stride.width + wOffset] }
                    }
                    (o + valid.upperBound).update(repeating: 0, count: outW - valid.upperBound)
                }
            }
        }
    }

    /// Accumulates each input plane from its column rows on one thread per plane: deterministic without atomics.
    public func col2im(_ columns: Storage, geometry g: ConvolutionGeometry, batchStart: Int, batchCount: Int, into gradInput: Storage) throws {
        let src = Self.pointer(columns), dst = Self.pointer(gradInput)
        let (channels, height, width) = (g.inChannels, g.height, g.width)
        let (kh, kw, outW, plane) = (g.kernel.height, g.kernel.width, g.output.width, g.outputPlane)
        let m = batchCount * plane
        parallelFor(batchCount * channels, grain: max(1, 16_384 / max(height * width * kh * kw, 1))) { range in
            for item in range {
                let n = item / channels, c = item % channels
                let image = dst + ((batchStart + n) * channels + c) * height * width
                image.update(repeating: 0, count: height * width)
                for i in 0..<kh {
                    for j in 0..<kw {
                        let column = src + ((c * kh + i) * kw + j) * m + n * plane
                        let wOffset = j * g.dilation.width - g.padding.width
                        let valid = Self.validOutputs(offset: wOffset, stride: g.stride.width, size: width, outputs: outW)
                        for oh in 0..<g.output.height {
                            let h = oh * g.stride.height - g.padding.height + i * g.dilation.height
                            guard h >= 0, h < height else { continue }
                            let line = image + h * width, values = column + oh * outW
                            for ow in valid { line[ow * g.stride.width + wOffset] += values[ow] }
                        }
                    }
                }
            }
        }
    }

    public func convScatterOutput(_ rows: Storage, bias: Storage?, geometry g: ConvolutionGeometry,
                                  batchStart: Int, batchCount: Int, into y: Storage) throws {
        let src = Self.pointer(rows), dst = Self.pointer(y), biasValues = bias.map { Self.pointer($0) }
        let (channels, plane) = (g.outChannels, g.outputPlane)
        parallelFor(batchCount * channels, grain: max(1, 16_384 / max(plane, 1))) { range in
            for item in range {
                let n = item / channels, oc = item % channels
                let s = src + oc * batchCount * plane + n * plane, d = dst + ((batchStart + n) * channels + oc) * plane
                if let biasValues {
                    let b = biasValues[oc]
                    for p in 0..<plane { d[p] = s[p] + b }
                } else {
                    d.update(from: s, count: plane)
                }
            }
        }
    }

    public func convGatherOutput(_ gradOutput: Storage, geometry g: ConvolutionGeometry,
                                 batchStart: Int, batchCount: Int, into rows: Storage) throws {
        let src = Self.pointer(gradOutput), dst = Self.pointer(rows)
        let (channels, plane) = (g.outChannels, g.outputPlane)
        parallelFor(batchCount * channels, grain: max(1, 16_384 / max(plane, 1))) { range in
            for item in range {
                let n = item / channels, oc = item % channels
                (dst + oc * batchCount * plane + n * plane).update(from: src + ((batchStart + n) * channels + oc) * plane, count: plane)
            }
        }
    }

    public func conv2dBackwardBias(_ gradOutput: Storage, geometry g: ConvolutionGeometry, into gradBias: Storage) throws {
        let src = Self.pointer(gradOutput), dst = Self.pointer(gradBias)
        let (channels, plane) = (g.outChannels, g.outputPlane)
        parallelFor(channels, grain: max(1, 16_384 / max(g.batch * plane, 1))) { range in
            for oc in range {
                var total: Float = 0
                for n in 0..<g.batch { total += Self.sum(src + (n * channels + oc) * plane, count: plane) }
                dst[oc] = total
            }
        }
    }

    /// The output positions whose input index `o * stride + offset` lies in 0..<size.
    @inline(__always)
    static func validOutputs(offset: Int, stride: Int, size: Int, outputs: Int) -> Range<Int> {
        let lower = offset >= 0 ? 0 : min(outputs, (-offset + stride - 1) / stride)
        let last = size - 1 - offset
        let upper = last < 0 ? 0 : min(outputs, last / stride + 1)
        return lower..<max(lower, upper)
    }

    /// Sum of `count` floats with SIMD partial sums.
    @inline(__always)
    static func sum(_ values: UnsafePointer<Float>, count: Int) -> Float {
        var partial = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= count {
            partial += UnsafeRawPointer(values + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var total = partial.sum()
        while i < count { total += values[i]; i += 1 }
        return total
    }
}
