/// Convolution by columns, one image at a time per core: the image's column matrix stays in cache between its unfold
/// and its GEMMs, and the GEMMs read and write the NCHW tensors (or a row-padded copy) directly, with no batch-wide
/// scatter or gather passes. See `ImageColumns` for how each image's column matrix is built.
extension CPUBackend {
    func columnsConv2d(_ x: Storage, weight: Storage, bias: Storage?, geometry g: ConvolutionGeometry, into y: Storage) throws {
        let src = Self.pointer(x), w = Self.pointer(weight), dst = Self.pointer(y), biasValues = bias.map { Self.pointer($0) }
        let layout = ImageColumns(g)
        let (ocg, patch, n) = (g.groupOutChannels, g.groupPatch, layout.columnCount)
        try forEachImage(layout, preparingRows: false) { _, images, scratch in
            for image in images {
                let cols = layout.columns(of: src + image * layout.imageSize, scratch)
                let out = dst + image * layout.outputSize
                let rows = layout.mode == .wide ? scratch.rows : out
                for group in 0..<g.groups {
                    // rows[group] (ocg x n) = weight[group] (ocg x patch) * cols[group] (patch x n)
                    Self.matmul(
                        m: ocg, n: n, k: patch, w + group * ocg * patch, patch, false,
                        cols + group * patch * n, n, false, 0, rows + group * ocg * n, n)
                }
                layout.finishOutput(rows, bias: biasValues, into: out)
            }
        }
    }

    func columnsConv2dBackwardData(
        _ gradOutput: Storage, weight: Storage, geometry g: ConvolutionGeometry, into gradInput: Storage
    ) throws {
        let gy = Self.pointer(gradOutput), w = Self.pointer(weight), gx = Self.pointer(gradInput)
        let layout = ImageColumns(g)
        let (ocg, patch, n) = (g.groupOutChannels, g.groupPatch, layout.columnCount)
        try forEachImage(layout, preparingRows: true) { _, images, scratch in
            for image in images {
                let rows = layout.gradientRows(gy + image * layout.outputSize, scratch)
                let target = gx + image * layout.imageSize
                let cols = layout.mode == .pointwise ? target : scratch.columns
                for group in 0..<g.groups {
                    // cols[group] (patch x n) = weight[group]^T (patch x ocg) * rows[group] (ocg x n)
                    Self.matmul(
                        m: patch, n: n, k: ocg, w + group * ocg * patch, patch, true,
                        rows + group * ocg * n, n, false, 0, cols + group * patch * n, n)
                }
                layout.fold(cols, scratch, into: target)
            }
        }
    }

    /// Each core accumulates its images' products into its own copy of the gradient; the copies are added in a fixed order.
    func columnsConv2dBackwardWeight(
        _ gradOutput: Storage, input: Storage, geometry g: ConvolutionGeometry, into gradWeight: Storage
    ) throws {
        let gy = Self.pointer(gradOutput), src = Self.pointer(input), gw = Self.pointer(gradWeight)
        let layout = ImageColumns(g)
        let (ocg, patch, n) = (g.groupOutChannels, g.groupPatch, layout.columnCount)
        let size = g.outChannels * patch, parts = layout.parts
        guard g.batch > 0 else { Self.zero(gw, count: size); return }
        let partials = try allocate(max(parts - 1, 1) * size)
        let copies = Self.pointer(partials)
        try forEachImage(layout, preparingRows: true) { part, images, scratch in
            let acc = part == 0 ? gw : copies + (part - 1) * size
            for image in images {
                let cols = layout.columns(of: src + image * layout.imageSize, scratch)
                let rows = layout.gradientRows(gy + image * layout.outputSize, scratch)
                for group in 0..<g.groups {
                    // acc[group] (ocg x patch) += rows[group] (ocg x n) * cols[group]^T (n x patch)
                    Self.matmul(
                        m: ocg, n: patch, k: n, rows + group * ocg * n, n, false, cols + group * patch * n, n, true,
                        image == images.lowerBound ? 0 : 1, acc + group * ocg * patch, patch)
                }
            }
        }
        for part in 1..<max(parts, 1) { Self.accumulate(copies + (part - 1) * size, into: gw, count: size) }
    }
}

/// The per-image machinery behind the whole ops.
extension CPUBackend {
    /// Runs `body(part, images, scratch)` for each run of images, one run per core (part 0, 1, ... in `layout.parts`),
    /// each with its own scratch; `preparingRows` zeroes the scratch's rows for `ImageColumns.gradientRows`.
    func forEachImage(
        _ layout: ImageColumns, preparingRows: Bool,
        _ body: (Int, Range<Int>, ImageColumns.Scratch) -> Void
    ) throws {
        let size = layout.scratchSize
        let storage = try allocate(layout.parts * size)
        let base = Self.pointer(storage)
        parallelParts(layout.g.batch, parts: layout.parts) { part, images in
            body(part, images, layout.prepare(base + part * size, rows: preparingRows))
        }
    }

    /// Writes the column rows (c, i, j) of `channels` of one image, `rowStride` apart, from `columns` on (the row of the
    /// first channel's (0, 0)): each row holds the input values that output pixels read at that kernel offset, 0 in the padding.
    @inline(__always)
    static func unfold(
        _ image: UnsafePointer<Float>, _ g: ConvolutionGeometry, channels: Range<Int>,
        into columns: UnsafeMutablePointer<Float>, rowStride: Int
    ) {
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

    /// The adjoint of `unfold`: overwrites `channels` of one image with the sums of the column entries that read each element.
    @inline(__always)
    static func fold(
        _ columns: UnsafePointer<Float>, rowStride: Int, _ g: ConvolutionGeometry, channels: Range<Int>,
        into image: UnsafeMutablePointer<Float>
    ) {
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

    /// The output positions whose input index `o * stride + offset` lies in 0..<size.
    @inline(__always)
    static func validOutputs(offset: Int, stride: Int, size: Int, outputs: Int) -> Range<Int> {
        let lower = offset >= 0 ? 0 : min(outputs, (-offset + stride - 1) / stride)
        let last = size - 1 - offset
        let upper = last < 0 ? 0 : min(outputs, last / stride + 1)
        return lower..<max(lower, upper)
    }
}
