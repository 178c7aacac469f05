import CVectorKernels

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
                let out = dst + image * layout.outputSize
                let rows = layout.mode == .wide ? scratch.rows : out
                for group in 0..<g.groups {
                    let cols = layout.packedColumns(of: src + image * layout.imageSize, group: group, scratch)
                    // rows[group] (ocg x n) = weight[group] (ocg x patch) * cols[group] (patch x n)
                    fovea_packed_gemm(
                        layout.level, Int32(ocg), Int32(n), Int32(patch), w + group * ocg * patch, Int32(patch), 0, cols, 0,
                        rows + group * ocg * n, Int32(n))
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
                    fovea_pack(layout.level, Int32(ocg), Int32(n), rows + group * ocg * n, Int32(n), 0, scratch.panels)
                    fovea_packed_gemm(
                        layout.level, Int32(patch), Int32(n), Int32(ocg), w + group * ocg * patch, Int32(patch), 1,
                        scratch.panels, 0, cols + group * patch * n, Int32(n))
                }
                layout.fold(cols, scratch, into: target)
            }
        }
    }

    /// Whether the weight gradient's products run as dot products along an image's `pixels` (`fovea_dot_gemm`) rather
    /// than on packed panels of the output gradient: for few output channels, whose panels would be mostly empty or
    /// narrow (AVX2's), when the pixels are many enough to hide each dot product's final sum. Measured with conv-algo:
    /// LeNet's 1->6 at 784 pixels 0.30 -> 0.09 ms, the 3->16 stem at 1,024 0.36 -> 0.23; 6->16 at 100 pixels and
    /// 16->32 at 256 run slower as dot products (0.18 -> 0.38, 0.68 -> 0.80).
    static func weightGradientAlongPixels(outChannels: Int, pixels: Int) -> Bool {
        outChannels <= 8 || (outChannels <= 16 && pixels >= 512)
    }

    /// Each core accumulates its images' products, transposed, into its own sums; the sums are added in a fixed order.
    func columnsConv2dBackwardWeight(
        _ gradOutput: Storage, input: Storage, geometry g: ConvolutionGeometry, into gradWeight: Storage
    ) throws {
        let gy = Self.pointer(gradOutput), src = Self.pointer(input), gw = Self.pointer(gradWeight)
        let layout = ImageColumns(g)
        let (ocg, patch, n) = (g.groupOutChannels, g.groupPatch, layout.columnCount)
        let size = g.outChannels * patch, parts = layout.parts
        guard g.batch > 0 else { Self.zero(gw, count: size); return }
        let partials = try allocate(parts * size)
        let sums = Self.pointer(partials), alongPixels = Self.weightGradientAlongPixels(outChannels: ocg, pixels: n)
        try forEachImage(layout, preparingRows: true) { part, images, scratch in
            let acc = sums + part * size
            let rowStarts = layout.mode == .wide ? layout.paddedRowStarts(scratch) : []
            for image in images {
                let cols = layout.columns(of: src + image * layout.imageSize, scratch)
                let rows = layout.gradientRows(gy + image * layout.outputSize, scratch)
                let (beta, out): (Float, Int32) = (image == images.lowerBound ? 0 : 1, Int32(ocg))
                for group in 0..<g.groups {
                    // acc[group] (patch x ocg) += cols[group] (patch x n) * rows[group]^T (n x ocg): the weight
                    // gradient transposed, so that the right-hand side is the small output gradient. With few output
                    // channels each value is a dot product along the pixels (a packed panel would be mostly empty).
                    let (sum, gradient) = (acc + group * patch * ocg, rows + group * ocg * n)
                    if alongPixels {
                        if let cols {
                            fovea_dot_gemm(
                                Self.simdLevel, Int32(patch), out, Int32(n), cols + group * patch * n, n, gradient, n,
                                beta, sum, ocg)
                        } else {
                            rowStarts.withUnsafeBufferPointer { starts in
                                fovea_dot_gemm_rows(
                                    Self.simdLevel, Int32(patch), out, Int32(n), starts.baseAddress! + group * patch,
                                    gradient, n, beta, sum, ocg)
                            }
                        }
                        continue
                    }
                    fovea_pack(layout.weightLevel, Int32(n), out, gradient, Int32(n), 1, scratch.panels)
                    if let cols {
                        fovea_packed_gemm(
                            layout.weightLevel, Int32(patch), out, Int32(n), cols + group * patch * n, Int32(n), 0,
                            scratch.panels, beta, sum, out)
                    } else {
                        rowStarts.withUnsafeBufferPointer { starts in
                            fovea_packed_gemm_rows(
                                layout.weightLevel, Int32(patch), out, Int32(n), starts.baseAddress! + group * patch,
                                scratch.panels, beta, sum, out)
                        }
                    }
                }
            }
        }
        for part in 1..<max(parts, 1) { Self.accumulate(sums + part * size, into: sums, count: size) }
        for group in 0..<g.groups {
            Self.transpose(sums + group * patch * ocg, rows: patch, columns: ocg, into: gw + group * ocg * patch)
        }
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

    /// Writes the column rows (c, i, j) of `channels` of one image into `target` (row 0 is the first channel's (0, 0)):
    /// each row holds the input values that output pixels read at that kernel offset, 0 in the padding.
    @inline(__always)
    static func unfold(_ image: UnsafePointer<Float>, _ g: ConvolutionGeometry, channels: Range<Int>, into target: ColumnTarget) {
        let (height, width, kh, kw, outW) = (g.height, g.width, g.kernel.height, g.kernel.width, g.output.width)
        for c in channels {
            let input = image + c * height * width
            for i in 0..<kh {
                for j in 0..<kw {
                    let row = ((c - channels.lowerBound) * kh + i) * kw + j
                    let wOffset = j * g.dilation.width - g.padding.width
                    let valid = validOutputs(offset: wOffset, stride: g.stride.width, size: width, outputs: outW)
                    for oh in 0..<g.output.height {
                        let h = oh * g.stride.height - g.padding.height + i * g.dilation.height
                        let line = h >= 0 && h < height ? input + h * width : nil
                        var ow = 0
                        while ow < outW {
                            let (o, run) = target.entry(row, oh * outW + ow)
                            let end = run >= outW - ow ? outW : ow + run
                            unfoldPiece(line, width: width, into: o, outputs: ow..<end, valid: valid, g.stride.width, wOffset)
                            ow = end
                        }
                    }
                }
            }
        }
    }

    /// Writes the entries `outputs` of one column row's output row to `o` from its input `line` (nil: a padding row):
    /// output `ow` reads `line[ow * stride + offset]` when `ow` is in `valid`, and 0 otherwise.
    @inline(__always)
    private static func unfoldPiece(
        _ line: UnsafePointer<Float>?, width: Int, into o: UnsafeMutablePointer<Float>, outputs: Range<Int>,
        valid: Range<Int>, _ stride: Int, _ offset: Int
    ) {
        guard let line else { zero(o, count: outputs.count); return }
        let lower = min(max(valid.lowerBound, outputs.lowerBound), outputs.upperBound)
        let upper = max(lower, min(valid.upperBound, outputs.upperBound))
        zero(o, count: lower - outputs.lowerBound)
        let source = line + (lower * stride + offset), destination = o + (lower - outputs.lowerBound)
        switch stride {
        case 1: copy(source, to: destination, count: upper - lower)
        case 2: gatherEven(source, readable: width - (lower * stride + offset), into: destination, count: upper - lower)
        default: for k in 0..<upper - lower { destination[k] = source[k * stride] }
        }
        zero(o + (upper - outputs.lowerBound), count: outputs.upperBound - upper)
    }

    /// dst[k] = src[2 * k] for k in 0..<count, eight at a time while the 16 floats read stay within the `readable`
    /// floats from `src` on.
    @inline(__always)
    private static func gatherEven(
        _ src: UnsafePointer<Float>, readable: Int, into dst: UnsafeMutablePointer<Float>, count: Int
    ) {
        var k = 0
        while k + 8 <= count && 2 * k + 16 <= readable { store(load16(src + 2 * k).evenHalf, dst + k); k += 8 }
        while k < count { dst[k] = src[2 * k]; k += 1 }
    }

    /// dst[2 * k] += src[k] for k in 0..<count, eight at a time while the 16 floats touched stay within the
    /// `writable` floats from `dst` on.
    @inline(__always)
    private static func accumulateEven(
        _ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, writable: Int, count: Int
    ) {
        var k = 0
        while k + 8 <= count && 2 * k + 16 <= writable {
            var v = load16(dst + 2 * k)
            v.evenHalf += load(src + k)
            store16(v, dst + 2 * k)
            k += 8
        }
        while k < count { dst[2 * k] += src[k]; k += 1 }
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
                        let first = valid.lowerBound * g.stride.width + wOffset
                        switch g.stride.width {
                        case 1: accumulate(values + valid.lowerBound, into: line + first, count: valid.count)
                        case 2:
                            accumulateEven(
                                values + valid.lowerBound, into: line + first, writable: width - first, count: valid.count)
                        default: for ow in valid { line[ow * g.stride.width + wOffset] += values[ow] }
                        }
                    }
                }
            }
        }
    }

    /// dst (columns x rows) = the transpose of src (rows x columns), both row-major.
    private static func transpose(
        _ src: UnsafePointer<Float>, rows: Int, columns: Int, into dst: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<rows {
            for c in 0..<columns { dst[c * rows + r] = src[r * columns + c] }
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
