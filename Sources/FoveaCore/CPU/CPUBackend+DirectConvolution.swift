import CVectorKernels

/// Direct convolution (`CVectorKernels`'s `direct_conv.h`), images shared out between the cores: each output plane is
/// one run along its zero-padded rows (strided layers read phase planes), each kernel offset a load of a few vectors
/// of it shared by a block of output channels, with no column matrix. For layers that read few channels, whose column
/// matrices are all unfolding and whose GEMMs have a short side (LeNet-5's), and strided forwards. The input gradient
/// of a stride-1 layer is the same correlation on the output gradient, with the filters turned and their channels
/// swapped; the weight gradient sums products per vector lane, the lanes added at the end.
extension CPUBackend {
    func directConv2d(_ x: Storage, weight: Storage, bias: Storage?, geometry g: ConvolutionGeometry, into y: Storage) throws {
        try directCorrelate(
            Self.pointer(x), filters: Self.pointer(weight), bias: bias.map(Self.pointer), Self.directShape(g),
            batch: g.batch, into: Self.pointer(y))
    }

    func directConv2dBackwardData(
        _ gradOutput: Storage, weight: Storage, geometry g: ConvolutionGeometry, into gradInput: Storage
    ) throws {
        let (kh, kw) = (g.kernel.height, g.kernel.width), taps = kh * kw
        let turned = try allocate(g.outChannels * g.inChannels * taps)
        let w = Self.pointer(weight), t = Self.pointer(turned)
        // turned[c][o][i][j] = weight[o][c][kh - 1 - i][kw - 1 - j]
        for o in 0..<g.outChannels {
            for c in 0..<g.inChannels {
                let source = w + (o * g.inChannels + c) * taps, target = t + (c * g.outChannels + o) * taps
                for k in 0..<taps { target[k] = source[taps - 1 - k] }
            }
        }
        let transposed = fovea_direct_shape(
            in_channels: Int32(g.outChannels), height: Int32(g.output.height), width: Int32(g.output.width),
            out_channels: Int32(g.inChannels), out_height: Int32(g.height), out_width: Int32(g.width),
            kernel_height: Int32(kh), kernel_width: Int32(kw), pad_top: Int32(kh - 1 - g.padding.height),
            pad_left: Int32(kw - 1 - g.padding.width), stride_height: 1, stride_width: 1)
        try directCorrelate(
            Self.pointer(gradOutput), filters: t, bias: nil, transposed, batch: g.batch, into: Self.pointer(gradInput))
    }

    /// Each core sums its images' products, several small images a call (`fovea_direct_weight_images`), into its own
    /// per-lane sums; the cores' sums are added in a fixed order.
    func directConv2dBackwardWeight(
        _ gradOutput: Storage, input: Storage, geometry g: ConvolutionGeometry, into gradWeight: Storage
    ) throws {
        let shape = Self.directShape(g), level = Self.simdLevel
        let count = g.outChannels * g.inChannels * g.kernel.height * g.kernel.width
        let lanes = Int(fovea_direct_lanes(level)), sums = count * lanes, perImage = fovea_direct_scratch(level, shape)
        let parts = max(1, min(Self.workers, g.batch)), imagesPerCall = Int(fovea_direct_weight_images(level, shape))
        let partSize = sums + min(imagesPerCall, (g.batch + parts - 1) / parts) * perImage
        let scratch = try allocate(parts * partSize)
        let base = Self.pointer(scratch), x = Self.pointer(input), dy = Self.pointer(gradOutput)
        let (imageSize, outputSize) = (g.inChannels * g.height * g.width, g.outChannels * g.outputPlane)
        parallelParts(g.batch, parts: parts) { part, images in
            let partSums = base + part * partSize
            Self.zero(partSums, count: sums)
            for first in stride(from: images.lowerBound, to: images.upperBound, by: imagesPerCall) {
                let n = min(imagesPerCall, images.upperBound - first)
                fovea_direct_weight_sums(
                    level, x + first * imageSize, dy + first * outputSize, Int32(n), shape, partSums + sums, partSums)
            }
        }
        if g.batch == 0 { Self.zero(base, count: sums) }
        for part in 1..<parts { Self.accumulate(base + part * partSize, into: base, count: sums) }
        let gw = Self.pointer(gradWeight)
        for i in 0..<count { gw[i] = Self.sum(base + i * lanes, count: lanes) }
    }

    /// y = the correlation of each of `batch` images of x with `filters` ([out][in][kh][kw]) in `shape`, plus bias.
    private func directCorrelate(
        _ x: UnsafePointer<Float>, filters: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        _ shape: fovea_direct_shape, batch: Int, into y: UnsafeMutablePointer<Float>
    ) throws {
        let level = Self.simdLevel, partSize = fovea_direct_scratch(level, shape), parts = max(1, min(Self.workers, batch))
        let scratch = try allocate(parts * partSize)
        let base = Self.pointer(scratch)
        let imageSize = Int(shape.in_channels) * Int(shape.height) * Int(shape.width)
        let outputSize = Int(shape.out_channels) * Int(shape.out_height) * Int(shape.out_width)
        parallelParts(batch, parts: parts) { part, images in
            for image in images {
                fovea_direct_correlate(
                    level, x + image * imageSize, shape, filters, bias, base + part * partSize, y + image * outputSize)
            }
        }
    }

    private static func directShape(_ g: ConvolutionGeometry) -> fovea_direct_shape {
        fovea_direct_shape(
            in_channels: Int32(g.inChannels), height: Int32(g.height), width: Int32(g.width),
            out_channels: Int32(g.outChannels), out_height: Int32(g.output.height), out_width: Int32(g.output.width),
            kernel_height: Int32(g.kernel.height), kernel_width: Int32(g.kernel.width),
            pad_top: Int32(g.padding.height), pad_left: Int32(g.padding.width), stride_height: Int32(g.stride.height),
            stride_width: Int32(g.stride.width))
    }
}
