import CVectorKernels

/// How the CPU convolution builds one image's column matrix (rows (c, i, j), one column per output position), by geometry:
/// - pointwise (1x1 kernel, stride 1, no padding): the image itself;
/// - wide (stride 1): the image is copied once into a zero-padded plane per channel, and each column row is then one
///   contiguous copy of outH * paddedWidth floats from it. Output rows come out paddedWidth long, of which the first
///   outW are real: the rest are dropped from outputs and are zero in output gradients;
/// - strided: the classic unfold, one output row segment at a time.
///
/// The GEMMs run on `fovea_packed_gemm` (AVX-512 where OpenBLAS runs AVX2): the forward's unfold writes the packed
/// panels of its right-hand side directly (`packedColumns`), and the backward passes pack the image's output gradient.
struct ImageColumns {
    enum Mode { case pointwise, wide, strided }

    /// One core's scratch: the column matrix; for `.wide`, also the padded image and output rows paddedWidth apart;
    /// the packed right-hand side of one group's GEMM.
    struct Scratch {
        let columns: UnsafeMutablePointer<Float>, padded: UnsafeMutablePointer<Float>, rows: UnsafeMutablePointer<Float>
        let panels: UnsafeMutablePointer<Float>
    }

    let g: ConvolutionGeometry
    let mode: Mode
    let paddedHeight: Int, paddedWidth: Int
    /// Floats per padded channel: the padded plane plus the tail that the last column rows read past it.
    let paddedPlane: Int
    /// Columns of the column matrix (and of output rows).
    let columnCount: Int
    /// Floats per input image and per output image.
    let imageSize: Int, outputSize: Int
    /// How many cores share the images.
    let parts: Int
    /// The SIMD levels of the packed GEMMs: the forward and input-gradient products (right-hand sides `columnCount`
    /// wide), and the weight gradient's (right-hand side the transposed output gradient, `groupOutChannels` wide).
    let level: Int32, weightLevel: Int32

    init(_ g: ConvolutionGeometry) {
        self.g = g
        imageSize = g.inChannels * g.height * g.width
        outputSize = g.outChannels * g.outputPlane
        if g.kernel == Size2D(1), g.stride == Size2D(1), g.padding == Size2D(0),
            g.output == Size2D(height: g.height, width: g.width)
        {
            mode = .pointwise
        } else {
            mode = g.stride == Size2D(1) ? .wide : .strided
        }
        paddedHeight = g.output.height + (g.kernel.height - 1) * g.dilation.height
        paddedWidth = g.output.width + (g.kernel.width - 1) * g.dilation.width
        paddedPlane = paddedHeight * paddedWidth + (g.kernel.width - 1) * g.dilation.width
        columnCount = mode == .wide ? g.output.height * paddedWidth : g.outputPlane
        let work = g.outChannels * g.groupPatch * columnCount
        parts = max(1, min(g.batch, CPUBackend.workers, g.batch * work / (1 << 16)))
        level = CPUBackend.simdLevel
        weightLevel = PackedMatrix.level(columns: g.groupOutChannels)
    }

    private var columnRows: Int { g.inChannels * g.kernel.height * g.kernel.width }

    /// Floats of scratch per core.
    var scratchSize: Int {
        let panels = max(
            fovea_packed_floats(level, Int32(g.groupPatch), Int32(columnCount)),
            fovea_packed_floats(level, Int32(g.groupOutChannels), Int32(columnCount)),
            fovea_packed_floats(weightLevel, Int32(columnCount), Int32(g.groupOutChannels)))
        switch mode {
        case .pointwise: return panels
        case .strided: return columnRows * columnCount + panels
        case .wide: return columnRows * columnCount + g.inChannels * paddedPlane + g.outChannels * columnCount + panels
        }
    }

    /// Splits one core's scratch and zeroes what stays zero across its images: the padding (and, for `gradientRows`, the rows).
    func prepare(_ base: UnsafeMutablePointer<Float>, rows zeroRows: Bool) -> Scratch {
        let columns = mode == .pointwise ? 0 : columnRows * columnCount
        let padded = base + columns, rows = padded + (mode == .wide ? g.inChannels * paddedPlane : 0)
        let panels = rows + (mode == .wide ? g.outChannels * columnCount : 0)
        if mode == .wide {
            CPUBackend.zero(padded, count: g.inChannels * paddedPlane)
            if zeroRows { CPUBackend.zero(rows, count: g.outChannels * columnCount) }
        }
        // The lanes of a last panel past `columnCount` are never written: zeroed once, they hold no stray denormals.
        CPUBackend.zero(panels, count: scratchSize - (panels - base))
        return Scratch(columns: base, padded: padded, rows: rows, panels: panels)
    }

    /// Input rows and columns that land inside the padded plane.
    private var inputRows: Int { max(0, min(g.height, paddedHeight - g.padding.height)) }
    private var inputColumns: Int { max(0, min(g.width, paddedWidth - g.padding.width)) }

    /// Offset in a padded channel of column row (i, j)'s first element.
    @inline(__always)
    private func shift(_ i: Int, _ j: Int) -> Int { i * g.dilation.height * paddedWidth + j * g.dilation.width }

    /// The column matrix of one image, row-major: `.pointwise` the image itself, `.strided` unfolded into the scratch.
    /// `.wide` copies the image into its padded planes and returns nil: GEMMs read its column rows there in place,
    /// through `paddedRowStarts`.
    func columns(of image: UnsafeMutablePointer<Float>, _ scratch: Scratch) -> UnsafeMutablePointer<Float>? {
        switch mode {
        case .pointwise:
            return image
        case .strided:
            CPUBackend.unfold(image, g, channels: 0..<g.inChannels, into: .rows(scratch.columns, rowStride: columnCount))
            return scratch.columns
        case .wide:
            for c in 0..<g.inChannels { _ = pad(channel: c, of: image, scratch) }
            return nil
        }
    }

    /// `.wide`: where each column row (c, i, j) starts in the padded planes of `scratch`.
    func paddedRowStarts(_ scratch: Scratch) -> [UnsafePointer<Float>?] {
        let (kh, kw) = (g.kernel.height, g.kernel.width)
        return (0..<columnRows).map { row in
            UnsafePointer(scratch.padded + row / (kh * kw) * paddedPlane + shift(row / kw % kh, row % kw))
        }
    }

    /// Group `group`'s column matrix of one image (`g.groupPatch` x `columnCount`) written into `scratch.panels` as
    /// `fovea_pack` lays it out at `level`, with no row-major copy in between.
    func packedColumns(
        of image: UnsafePointer<Float>, group: Int, _ scratch: Scratch
    ) -> UnsafeMutablePointer<Float> {
        let target = ColumnTarget.panels(scratch.panels, rows: g.groupPatch, width: Int(fovea_panel_width(level)))
        let channels = group * (g.inChannels / g.groups)..<(group + 1) * (g.inChannels / g.groups)
        let (kh, kw) = (g.kernel.height, g.kernel.width)
        switch mode {
        case .pointwise:
            for c in channels { target.copy(row: c - channels.lowerBound, from: image + c * columnCount, count: columnCount) }
        case .strided:
            CPUBackend.unfold(image, g, channels: channels, into: target)
        case .wide:
            for c in channels {
                let padded = pad(channel: c, of: image, scratch)
                for i in 0..<kh {
                    for j in 0..<kw {
                        target.copy(
                            row: ((c - channels.lowerBound) * kh + i) * kw + j, from: padded + shift(i, j), count: columnCount)
                    }
                }
            }
        }
        return scratch.panels
    }

    /// Copies channel `c` of one image into its zero-bordered padded plane (`.wide`) and returns the plane.
    private func pad(channel c: Int, of image: UnsafePointer<Float>, _ scratch: Scratch) -> UnsafePointer<Float> {
        let padded = scratch.padded + c * paddedPlane, source = image + c * g.height * g.width
        let corner = g.padding.height * paddedWidth + g.padding.width
        for h in 0..<inputRows {
            CPUBackend.copy(source + h * g.width, to: padded + corner + h * paddedWidth, count: inputColumns)
        }
        return UnsafePointer(padded)
    }

    /// Writes one image's output from GEMM rows (the output itself, or wide rows), adding the bias.
    func finishOutput(_ rows: UnsafePointer<Float>, bias: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>) {
        let (plane, outW) = (g.outputPlane, g.output.width)
        for oc in 0..<g.outChannels {
            let d = out + oc * plane
            if mode == .wide {
                let b = bias?[oc] ?? 0
                for oh in 0..<g.output.height {
                    let s = rows + oc * columnCount + oh * paddedWidth, o = d + oh * outW
                    if bias == nil { CPUBackend.copy(s, to: o, count: outW) } else { CPUBackend.add(b, s, to: o, count: outW) }
                }
            } else if let bias {
                CPUBackend.add(bias[oc], to: d, count: plane)
            }
        }
    }

    /// One image's output gradient as GEMM rows: itself, or copied into the (zero-prepared) wide rows.
    func gradientRows(_ gradient: UnsafeMutablePointer<Float>, _ scratch: Scratch) -> UnsafeMutablePointer<Float> {
        guard mode == .wide else { return gradient }
        let (plane, outW) = (g.outputPlane, g.output.width)
        for oc in 0..<g.outChannels {
            for oh in 0..<g.output.height {
                CPUBackend.copy(
                    gradient + oc * plane + oh * outW, to: scratch.rows + oc * columnCount + oh * paddedWidth, count: outW)
            }
        }
        return scratch.rows
    }

    /// Overwrites one image's input gradient with the adjoint of `columns`: the sum of the column entries that read each element.
    func fold(_ columns: UnsafePointer<Float>, _ scratch: Scratch, into image: UnsafeMutablePointer<Float>) {
        switch mode {
        case .pointwise:
            return
        case .strided:
            CPUBackend.fold(columns, rowStride: columnCount, g, channels: 0..<g.inChannels, into: image)
        case .wide:
            let (kh, kw, plane) = (g.kernel.height, g.kernel.width, g.height * g.width)
            let corner = g.padding.height * paddedWidth + g.padding.width
            for c in 0..<g.inChannels {
                let padded = scratch.padded + c * paddedPlane
                CPUBackend.zero(padded, count: paddedPlane)
                for i in 0..<kh {
                    for j in 0..<kw {
                        CPUBackend.accumulate(
                            columns + ((c * kh + i) * kw + j) * columnCount, into: padded + shift(i, j), count: columnCount)
                    }
                }
                for h in 0..<g.height {
                    let line = image + c * plane + h * g.width
                    let kept = h < inputRows ? inputColumns : 0
                    CPUBackend.copy(padded + corner + h * paddedWidth, to: line, count: kept)
                    CPUBackend.zero(line + kept, count: g.width - kept)
                }
            }
        }
    }
}
