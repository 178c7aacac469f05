/// Direct convolution for small patches, where im2col + GEMM spends most of its time moving the column matrix and CLBlast
/// runs tiny, skinny GEMMs (LeNet's 1- and 6-channel 5x5 layers). Other shapes keep the im2col + CLBlast path of
/// `ConvolutionBackend`. Two kernel sets, chosen by device type:
/// - GPUs: `Kernels/conv_direct.cl`, one pixel per work item (coalesced along rows), 8-channel tiles, groups of 64.
/// - CPUs (PoCL): `Kernels/conv_rows.cl`, a row segment of as many pixels as a float vector holds per work item over
///   zero-padded copies of the inputs (one `pad2d` launch each, `Kernels/layout.cl`), 8- or 16-channel tiles,
///   weight-gradient groups of 16. The input gradient of a strided layer is the stride-1 kernel's over the output
///   gradient with zeros inserted between its rows and columns (4x the work at stride 2, still 10x faster than a
///   gather on PoCL).
extension OpenCLBackend {
    /// Whether the direct kernels handle this shape. On a CPU device CLBlast's GEMMs are slow for every shape we meet,
    /// so any patch up to 4096 goes direct; a GPU keeps im2col + CLBlast once a patch is large enough for GEMM tiles.
    func usesDirectConvolution(_ g: ConvolutionGeometry) -> Bool {
        guard g.groups == 1, g.kernel.height * g.kernel.width <= 49 else { return false }
        return g.groupPatch <= (context.info.isGPU ? 256 : 4096)
    }

    /// Which kernel set and tile sizes the direct path uses.
    struct DirectConvolutionStyle {
        /// conv_direct.cl (GPU) or conv_rows.cl (CPU).
        var gpu: Bool
        /// Pixels of a row per work item in conv_rows.cl: the float vector width (at least 4, at most 16).
        var rowSegment: Int
        /// Output (input) channels per work item in the forward (input-gradient) kernel: one float vector of
        /// accumulators each, so 8 where vectors hold 8 floats or fewer (AVX2's 16 registers spilled 16 of them: PoCL
        /// cnn-cifar b64 forward 166-195 -> 134-137 ms, input gradient 184-241 -> 138-146 ms per step), 16 with
        /// AVX-512's 32.
        var channelTile: Int { gpu ? 8 : rowSegment >= 16 ? 16 : 8 }
        /// Work items per group in the weight-gradient reduction (`WG`).
        var weightGroupSize: Int { gpu ? 64 : 16 }

        func tiles(_ channels: Int) -> Int { (channels + channelTile - 1) / channelTile }
        func segments(_ width: Int) -> Int { (width + rowSegment - 1) / rowSegment }
        /// A row rounded up to whole segments.
        func segmentedWidth(_ width: Int) -> Int { segments(width) * rowSegment }
    }

    /// The style for this device.
    var directStyle: DirectConvolutionStyle {
        DirectConvolutionStyle(gpu: context.info.isGPU, rowSegment: min(16, max(4, context.info.preferredFloatVectorWidth)))
    }

    /// The build options that specialize conv_direct.cl for this geometry and style.
    private func directOptions(_ g: ConvolutionGeometry, _ s: DirectConvolutionStyle) -> String {
        "-DKH=\(g.kernel.height) -DKW=\(g.kernel.width) -DSH=\(g.stride.height) -DSW=\(g.stride.width) "
            + "-DPT=\(g.padding.height) -DPL=\(g.padding.width) -DDH=\(g.dilation.height) -DDW=\(g.dilation.width) "
            + "-DOCT=\(min(g.outChannels, s.channelTile)) -DCT=\(min(g.inChannels, s.channelTile)) -DWG=\(s.weightGroupSize)"
    }

    /// conv_rows.cl's build options for a kernel of `tile` channels per work item (nil: one that tiles no channels): the
    /// patch, dilation, row segment and weight-gradient group, then the tiles of a program that holds this one
    /// (`RowsTilePrograms`). Padding is pad2d's business and the stride an argument of the `_strided` kernels, so layers
    /// that differ only in those share a program: a cold cnn-cifar step compiles 3 conv kernels for its 3x3 layers, a
    /// cold LeNet-5 step builds one conv program.
    private func rowsOptions(_ g: ConvolutionGeometry, _ s: DirectConvolutionStyle, tile: Int?) -> String {
        let patch =
            "-DKH=\(g.kernel.height) -DKW=\(g.kernel.width) -DDH=\(g.dilation.height) -DDW=\(g.dilation.width) "
            + "-DWG=\(s.weightGroupSize) -DPX=\(s.rowSegment)"
        return rowsTiles.options(patch: patch, tile: tile, fullTile: s.channelTile)
    }

    /// A conv_rows.cl kernel for this stride and channel tile, and the arguments that follow the sizes: none at stride
    /// 1, the stride for the `_strided` kernels (forward and weight gradient).
    private func rowsKernel(
        _ name: String, _ g: ConvolutionGeometry, tile: Int? = nil
    ) -> (name: String, strideArguments: [KernelArgument]) {
        let tileSuffix = tile.map { "_\($0)" } ?? ""
        if g.stride == Size2D(1) { return (name + tileSuffix, []) }
        return (name + "_strided" + tileSuffix, [.int(g.stride.height), .int(g.stride.width)])
    }

    private func sizeArguments(_ g: ConvolutionGeometry) -> [KernelArgument] {
        [
            .int(g.batch), .int(g.inChannels), .int(g.height), .int(g.width), .int(g.outChannels), .int(g.output.height),
            .int(g.output.width),
        ]
    }

    /// A zero-padded copy of `planes` planes of `height` x `width`: `paddedHeight` x `paddedWidth`, shifted down by `top`
    /// and right by `left` (negative values crop), with `spread - 1` zero rows and columns inserted between the source's.
    private func padded(
        _ x: Storage, planes: Int, height: Int, width: Int, paddedHeight: Int, paddedWidth: Int,
        top: Int, left: Int, spread: Size2D = Size2D(1)
    ) throws -> Storage {
        let out = try allocate(planes * paddedHeight * paddedWidth)
        try run(
            "pad2d", in: "layout", global: [paddedHeight, planes],
            .buffer(x), .buffer(out), .int(planes), .int(height), .int(width), .int(paddedHeight), .int(paddedWidth),
            .int(top), .int(left), .int(spread.height), .int(spread.width))
        return out
    }

    /// The input padded so that every output row segment's taps are in bounds: (rows, columns, storage).
    private func paddedInput(_ x: Storage, _ g: ConvolutionGeometry, _ s: DirectConvolutionStyle) throws -> (Int, Int, Storage) {
        let rows = (g.output.height - 1) * g.stride.height + (g.kernel.height - 1) * g.dilation.height + 1
        let columns = (s.segmentedWidth(g.output.width) - 1) * g.stride.width + (g.kernel.width - 1) * g.dilation.width + 1
        let storage = try padded(
            x, planes: g.batch * g.inChannels, height: g.height, width: g.width,
            paddedHeight: rows, paddedWidth: columns, top: g.padding.height, left: g.padding.width)
        return (rows, columns, storage)
    }

    func directConv2d(
        _ x: Storage, weight: Storage, bias: Storage?, activation: ConvolutionActivation = .identity,
        geometry g: ConvolutionGeometry, into y: Storage, style: DirectConvolutionStyle? = nil
    ) throws {
        let s = style ?? directStyle
        let biasArguments: [KernelArgument] = [.buffer(bias ?? weight), .int(bias == nil ? 0 : 1), .int(activation.rawValue)]
        if s.gpu {
            return try context.launch(
                "conv_direct_forward", program: "conv_direct", options: directOptions(g, s),
                global: [g.batch * g.outputPlane, s.tiles(g.outChannels)], local: [64, 1],
                arguments: [.buffer(x), .buffer(weight)] + biasArguments + [.buffer(y)] + sizeArguments(g))
        }
        let (rows, columns, xp) = try paddedInput(x, g, s)
        let tile = min(g.outChannels, s.channelTile)
        let kernel = rowsKernel("conv_rows_forward", g, tile: tile)
        try context.launch(
            kernel.name, program: "conv_rows", options: rowsOptions(g, s, tile: tile),
            global: [g.batch * g.output.height * s.segments(g.output.width), s.tiles(g.outChannels)],
            arguments: [.buffer(xp), .buffer(weight)] + biasArguments + [.buffer(y)]
                + [g.batch, g.inChannels, g.outChannels, g.output.height, g.output.width, rows, columns].map { .int($0) }
                + kernel.strideArguments)
    }

    func directConv2dBackwardData(
        _ gradOutput: Storage, weight: Storage, geometry g: ConvolutionGeometry, into gradInput: Storage,
        style: DirectConvolutionStyle? = nil
    ) throws {
        let s = style ?? directStyle
        if s.gpu {
            return try context.launch(
                "conv_direct_backward_data", program: "conv_direct", options: directOptions(g, s),
                global: [g.batch * g.height * g.width, s.tiles(g.inChannels)], local: [64, 1],
                arguments: [.buffer(gradOutput), .buffer(weight), .buffer(gradInput)] + sizeArguments(g))
        }
        // gx is gy (spread by the stride: zeros between its rows and columns), padded by (k - 1) * d - p, convolved at
        // stride 1 with the rotated, transposed weight.
        let top = (g.kernel.height - 1) * g.dilation.height - g.padding.height
        let left = (g.kernel.width - 1) * g.dilation.width - g.padding.width
        let rows = g.height + (g.kernel.height - 1) * g.dilation.height
        let columns = s.segmentedWidth(g.width) + (g.kernel.width - 1) * g.dilation.width
        let gp = try padded(
            gradOutput, planes: g.batch * g.outChannels, height: g.output.height, width: g.output.width,
            paddedHeight: rows, paddedWidth: columns, top: top, left: left, spread: g.stride)
        let tile = min(g.inChannels, s.channelTile)
        try context.launch(
            "conv_rows_backward_data_\(tile)", program: "conv_rows", options: rowsOptions(g, s, tile: tile),
            global: [g.batch * g.height * s.segments(g.width), s.tiles(g.inChannels)],
            arguments: [.buffer(gp), .buffer(weight), .buffer(gradInput)]
                + [g.batch, g.inChannels, g.height, g.width, g.outChannels, rows, columns].map { .int($0) })
    }

    /// One work-group per (output channel, input channel) pair and batch split; a GPU splits the batch until it has
    /// about four groups per compute unit (then sums the splits in a second kernel), a CPU only until every core has one.
    func directConv2dBackwardWeight(
        _ gradOutput: Storage, input: Storage, geometry g: ConvolutionGeometry, into gradWeight: Storage,
        style: DirectConvolutionStyle? = nil
    ) throws {
        let s = style ?? directStyle
        let pairs = g.outChannels * g.inChannels, count = pairs * g.kernel.height * g.kernel.width
        let wantedGroups = s.gpu ? 4 * context.info.computeUnits : context.info.computeUnits
        let splits = max(1, min(g.batch, (wantedGroups + pairs - 1) / pairs))
        let partial = splits == 1 ? gradWeight : try allocate(splits * count)
        let global = [pairs * s.weightGroupSize, splits], local = [s.weightGroupSize, 1]
        if s.gpu {
            try context.launch(
                "conv_direct_backward_weight", program: "conv_direct", options: directOptions(g, s),
                global: global, local: local,
                arguments: [.buffer(gradOutput), .buffer(input), .buffer(partial)] + sizeArguments(g))
        } else {
            let (rows, columns, xp) = try paddedInput(input, g, s)
            let gradientWidth = s.segmentedWidth(g.output.width)
            let gp = try padded(
                gradOutput, planes: g.batch * g.outChannels, height: g.output.height, width: g.output.width,
                paddedHeight: g.output.height, paddedWidth: gradientWidth, top: 0, left: 0)
            let kernel = rowsKernel("conv_rows_backward_weight", g)
            try context.launch(
                kernel.name, program: "conv_rows", options: rowsOptions(g, s, tile: nil),
                global: global, local: local,
                arguments: [.buffer(gp), .buffer(xp), .buffer(partial)]
                    + [g.batch, g.inChannels, g.outChannels, g.output.height, gradientWidth, rows, columns].map { .int($0) }
                    + kernel.strideArguments)
        }
        if splits > 1 {
            try run("sum_slices", in: "memory", global: [count], .buffer(partial), .buffer(gradWeight), .int(count), .int(splits))
        }
    }
}
