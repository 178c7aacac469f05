import CBLAS

/// Convolution on the host, one image at a time per core: the image's column matrix stays in cache between the unfold
/// and its GEMMs, and the GEMMs read and write the NCHW tensors in place (no scatter or gather of output rows).
extension CPUBackend: ConvolutionBackend {
    public func conv2d(_ x: Storage, weight: Storage, bias: Storage?, geometry g: ConvolutionGeometry, into y: Storage) throws {
        let src = Self.pointer(x), w = Self.pointer(weight), dst = Self.pointer(y), biasValues = bias.map { Self.pointer($0) }
        let (plane, ocg, patch) = (g.outputPlane, g.groupOutChannels, g.groupPatch)
        try forEachImage(g) { n, columns in
            let cols = Self.columns(of: src + n * g.inChannels * g.height * g.width, g, scratch: columns)
            let out = dst + n * g.outChannels * plane
            for group in 0..<g.groups {
                // out[group] (ocg x plane) = weight[group] (ocg x patch) * cols[group] (patch x plane)
                Self.matmul(m: ocg, n: plane, k: patch, w + group * ocg * patch, patch, false,
                            cols + group * patch * plane, plane, false, 0, out + group * ocg * plane, plane)
            }
            if let biasValues {
                for oc in 0..<g.outChannels { Self.add(biasValues[oc], to: out + oc * plane, count: plane) }
            }
        }
    }

    public func conv2dBackwardData(_ gradOutput: Storage, weight: Storage, geometry g: ConvolutionGeometry, into gradInput: Storage) throws {
        let gy = Self.pointer(gradOutput), w = Self.pointer(weight), gx = Self.pointer(gradInput)
        let (plane, ocg, patch) = (g.outputPlane, g.groupOutChannels, g.groupPatch)
        let pointwise = Self.isPointwise(g)
        try forEachImage(g) { n, columns in
            let image = gx + n * g.inChannels * g.height * g.width
            let cols = pointwise ? image : columns
            for group in 0..<g.groups {
                // cols[group] (patch x plane) = weight[group]^T (patch x ocg) * gy[group] (ocg x plane)
                Self.matmul(m: patch, n: plane, k: ocg, w + group * ocg * patch, patch, true,
                            gy + (n * g.outChannels + group * ocg) * plane, plane, false, 0, cols + group * patch * plane, plane)
            }
            if !pointwise { Self.fold(cols, g, into: image) }
        }
    }

    /// Each core accumulates its images' products into its own copy of the gradient; the copies are added in a fixed order.
    public func conv2dBackwardWeight(_ gradOutput: Storage, input: Storage, geometry g: ConvolutionGeometry, into gradWeight: Storage) throws {
        let gy = Self.pointer(gradOutput), src = Self.pointer(input), gw = Self.pointer(gradWeight)
        let (plane, ocg, patch) = (g.outputPlane, g.groupOutChannels, g.groupPatch)
        let size = g.outChannels * patch, parts = Self.imageParts(g)
        let partials = try allocate(max(parts - 1, 1) * size)
        let copies = Self.pointer(partials)
        try forEachImage(g) { part, images, columns in
            let acc = part == 0 ? gw : copies + (part - 1) * size
            for n in images {
                let cols = Self.columns(of: src + n * g.inChannels * g.height * g.width, g, scratch: columns)
                for group in 0..<g.groups {
                    // acc[group] (ocg x patch) += gy[group] (ocg x plane) * cols[group]^T (plane x patch)
                    Self.matmul(m: ocg, n: patch, k: plane, gy + (n * g.outChannels + group * ocg) * plane, plane, false,
                                cols + group * patch * plane, plane, true, n == images.lowerBound ? 0 : 1, acc + group * ocg * patch, patch)
                }
            }
        }
        for part in 1..<max(parts, 1) { Self.accumulate(copies + (part - 1) * size, into: gw, count: size) }
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

    public func im2col(_ x: Storage, geometry g: ConvolutionGeometry, batchStart: Int, batchCount: Int, into columns: Storage) throws {
        let src = Self.pointer(x), dst = Self.pointer(columns)
        let (channels, m, rows) = (g.inChannels, batchCount * g.outputPlane, g.kernel.height * g.kernel.width)
        parallelFor(batchCount * channels, grain: max(1, 16_384 / max(rows * g.outputPlane, 1))) { range in
            for item in range {
                let n = item / channels, c = item % channels
                Self.unfold(src + (batchStart + n) * channels * g.height * g.width, g, channels: c..<c + 1,
                            into: dst + c * rows * m + n * g.outputPlane, rowStride: m)
            }
        }
    }

    /// Accumulates each input plane from its column rows on one thread per plane: deterministic without atomics.
    public func col2im(_ columns: Storage, geometry g: ConvolutionGeometry, batchStart: Int, batchCount: Int, into gradInput: Storage) throws {
        let src = Self.pointer(columns), dst = Self.pointer(gradInput)
        let (channels, m, rows) = (g.inChannels, batchCount * g.outputPlane, g.kernel.height * g.kernel.width)
        parallelFor(batchCount * channels, grain: max(1, 16_384 / max(rows * g.outputPlane, 1))) { range in
            for item in range {
                let n = item / channels, c = item % channels
                Self.fold(src + c * rows * m + n * g.outputPlane, rowStride: m, g, channels: c..<c + 1,
                          into: dst + (batchStart + n) * channels * g.height * g.width)
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
                d.update(from: s, count: plane)
                if let biasValues { Self.add(biasValues[oc], to: d, count: plane) }
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
}

/// The per-image machinery behind the whole ops.
extension CPUBackend {
    /// How many cores share a convolution's images (one column scratch each).
    static func imageParts(_ g: ConvolutionGeometry) -> Int {
        let work = g.outChannels * g.groupPatch * g.outputPlane
        return max(1, min(g.batch, workers, g.batch * work / (1 << 16)))
    }

    /// Runs `body(image, columns)` for every image, the images split into contiguous runs, one per core, each run with
    /// a column scratch of (inChannels * kh * kw) x outputPlane floats.
    func forEachImage(_ g: ConvolutionGeometry, _ body: (Int, UnsafeMutablePointer<Float>) -> Void) throws {
        try forEachImage(g) { _, images, columns in for n in images { body(n, columns) } }
    }

    /// Runs `body(part, images, columns)` for each run of images (part 0, 1, ... in `imageParts(g)`).
    func forEachImage(_ g: ConvolutionGeometry, _ body: (Int, Range<Int>, UnsafeMutablePointer<Float>) -> Void) throws {
        let parts = Self.imageParts(g)
        let size = Self.isPointwise(g) ? 0 : g.groups * g.groupPatch * g.outputPlane
        let scratch = try allocate(parts * size)
        let base = Self.pointer(scratch)
        parallelParts(g.batch, parts: parts) { part, images in body(part, images, base + part * size) }
    }

    /// A 1x1 convolution with stride 1 and no padding: the image itself is its column matrix.
    static func isPointwise(_ g: ConvolutionGeometry) -> Bool {
        g.kernel == Size2D(1) && g.stride == Size2D(1) && g.padding == Size2D(0) && g.output == Size2D(height: g.height, width: g.width)
    }

    /// The column matrix of one image: the image itself for a pointwise convolution, else unfolded into `scratch`.
    @inline(__always)
    static func columns(of image: UnsafeMutablePointer<Float>, _ g: ConvolutionGeometry,
                        scratch: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
        if isPointwise(g) { return image }
        unfold(image, g, channels: 0..<g.inChannels, into: scratch, rowStride: g.outputPlane)
        return scratch
    }

    /// Writes the column rows (c, i, j) of `channels` of one image, `rowStride` apart, from `columns` on (the row of the
    /// first channel's (0, 0)): each row holds the input values that output pixels read at that kernel offset, 0 in the padding.
    @inline(__always)
    static func unfold(_ image: UnsafePointer<Float>, _ g: ConvolutionGeometry, channels: Range<Int>,
                       into columns: UnsafeMutablePointer<Float>, rowStride: Int) {
        let (height, width, kh, kw, outW) = (g.height, g.width, g.kernel.height, g.kernel.width, g.output.width)
        for c in channels {
            let input = image + c * height * width
            for i in 0..<kh {
                for j in 0..<kw {
                    let out = columns + (((c - channels.lowerBound) * kh + i) * kw + j) * rowStride
                    let wOffset = j * g.dilation.width - g.padding.width
                    let valid = validOutputs(offset: wOffset, stride: g.stride.width, size: width, outputs: outW)
                    for oh in 0..<g.output.height {
                        let o = out + oh * outW
                        let h = oh * g.stride.height - g.padding.height + i * g.dilation.height
                        guard h >= 0, h < height else { zero(o, count: outW); continue }
                        let line = input + h * width
                        zero(o, count: valid.lowerBound)
                        if g.stride.width == 1 {
                            copy(line + (valid.lowerBound + wOffset), to: o + valid.lowerBound, count: valid.count)
                        } else {
                            for ow in valid { o[ow] = line[ow * g.stride.width + wOffset] }
                        }
                        zero(o + valid.upperBound, count: outW - valid.upperBound)
                    }
                }
            }
        }
    }

    /// One image's input gradient from its whole column matrix (rows outputPlane apart).
    @inline(__always)
    static func fold(_ columns: UnsafePointer<Float>, _ g: ConvolutionGeometry, into image: UnsafeMutablePointer<Float>) {
        fold(columns, rowStride: g.outputPlane, g, channels: 0..<g.inChannels, into: image)
    }

    /// The adjoint of `unfold`: overwrites `channels` of one image with the sums of the column entries that read each element.
    @inline(__always)
    static func fold(_ columns: UnsafePointer<Float>, rowStride: Int, _ g: ConvolutionGeometry, channels: Range<Int>,
                     into image: UnsafeMutablePointer<Float>) {
        let (height, width, kh, kw, outW) = (g.height, g.width, g.kernel.height, g.kernel.width, g.output.width)
        for c in channels {
            let plane = image + c * height * width
            zero(plane, count: height * width)
            for i in 0..<kh {
                for j in 0..<kw {
                    let column = columns + (((c - channels.lowerBound) * kh + i) * kw + j) * rowStride
                    let wOffset = j * g.dilation.width - g.padding.width
                    let valid = validOutputs(offset: wOffset, stride: g.stride.width, size: width, outputs: outW)
                    for oh in 0..<g.output.height {
                        let h = oh * g.stride.height - g.padding.height + i * g.dilation.height
                        guard h >= 0, h < height else { continue }
                        let line = plane + h * width, values = column + oh * outW
                        if g.stride.width == 1 {
                            accumulate(values + valid.lowerBound, into: line + (valid.lowerBound + wOffset), count: valid.count)
                        } else {
                            for ow in valid { line[ow * g.stride.width + wOffset] += values[ow] }
                        }
                    }
                }
            }
        }
    }

    /// Row-major C (m x n, ldc) = op(A) * op(B) + beta * C on the calling thread.
    @inline(__always)
    static func matmul(m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ transposeA: Bool,
                       _ b: UnsafePointer<Float>, _ ldb: Int, _ transposeB: Bool, _ beta: Float,
                       _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The output positions whose input index `o * stride + offset` lies in 0..<size.
    @inline(__always)
    static func validOutputs(offset: Int, stride: Int, size: Int, outputs: Int) -> Range<Int> {
        let lower = offset >= 0 ? 0 : min(outputs, (-offset + stride - 1) / stride)
        let last = size - 1 - offset
        let upper = last < 0 ? 0 : min(outputs, last / stride + 1)
        return lower..<max(lower, upper)
    }
}
