/// Direct convolution kernels (`Kernels/conv_direct.cl`) for small patches, where im2col + GEMM spends most of its time
/// moving the column matrix and CLBlast runs tiny, skinny GEMMs (LeNet's 1- and 6-channel 5x5 layers). Other shapes
/// keep the im2col + CLBlast path of `ConvolutionBackend`.
extension OpenCLBackend {
    /// Work items per work-group along the pixel axis (a multiple of the warp / wavefront size) and of the
    /// weight-gradient reduction (`WG` in conv_direct.cl).
    private static let directGroupSize = 64
    /// Channels per work item: more reuse of each loaded input (output gradient) value, fewer work items.
    private static let directChannelTile = 8

    /// Whether the direct kernels handle this shape. On a CPU device (PoCL) CLBlast's GEMMs are slow for every shape we
    /// meet, so any patch up to 4096 goes direct; a GPU keeps im2col + CLBlast once a patch is large enough for GEMM tiles.
    func usesDirectConvolution(_ g: ConvolutionGeometry) -> Bool {
        guard g.groups == 1, g.kernel.height * g.kernel.width <= 49 else { return false }
        return g.groupPatch <= (context.info.isGPU ? 256 : 4096)
    }

    /// The build options that specialize conv_direct.cl for this geometry.
    private func directOptions(_ g: ConvolutionGeometry) -> String {
        "-DKH=\(g.kernel.height) -DKW=\(g.kernel.width) -DSH=\(g.stride.height) -DSW=\(g.stride.width) "
            + "-DPT=\(g.padding.height) -DPL=\(g.padding.width) -DDH=\(g.dilation.height) -DDW=\(g.dilation.width) "
            + "-DOCT=\(min(g.outChannels, Self.directChannelTile)) -DCT=\(min(g.inChannels, Self.directChannelTile)) "
            + "-DWG=\(Self.directGroupSize)"
    }

    private func sizeArguments(_ g: ConvolutionGeometry) -> [KernelArgument] {
        [.int(g.batch), .int(g.inChannels), .int(g.height), .int(g.width), .int(g.outChannels), .int(g.output.height), .int(g.output.width)]
    }

    func directConv2d(_ x: Storage, weight: Storage, bias: Storage?, geometry g: ConvolutionGeometry, into y: Storage) throws {
        let tiles = (g.outChannels + Self.directChannelTile - 1) / Self.directChannelTile
        try context.launch("conv_direct_forward", program: "conv_direct", options: directOptions(g),
                           global: [g.batch * g.outputPlane, tiles], local: [Self.directGroupSize, 1],
                           arguments: [.buffer(x), .buffer(weight), .buffer(bias ?? weight), .int(bias == nil ? 0 : 1), .buffer(y)]
                               + sizeArguments(g))
    }

    func directConv2dBackwardData(_ gradOutput: Storage, weight: Storage, geometry g: ConvolutionGeometry, into gradInput: Storage) throws {
        let tiles = (g.inChannels + Self.directChannelTile - 1) / Self.directChannelTile
        try context.launch("conv_direct_backward_data", program: "conv_direct", options: directOptions(g),
                           global: [g.batch * g.height * g.width, tiles], local: [Self.directGroupSize, 1],
                           arguments: [.buffer(gradOutput), .buffer(weight), .buffer(gradInput)] + sizeArguments(g))
    }

    /// One work-group per (output channel, input channel) pair and batch split; a GPU splits the batch until it has
    /// about four groups per compute unit (then sums the splits in a second kernel), a CPU needs no splits.
    func directConv2dBackwardWeight(_ gradOutput: Storage, input: Storage, geometry g: ConvolutionGeometry, into gradWeight: Storage) throws {
        let pairs = g.outChannels * g.inChannels, count = pairs * g.kernel.height * g.kernel.width
        let wantedGroups = context.info.isGPU ? 4 * context.info.computeUnits : context.info.computeUnits
        let splits = max(1, min(g.batch, (wantedGroups + pairs - 1) / pairs))
        let partial = splits == 1 ? gradWeight : try allocate(splits * count)
        try context.launch("conv_direct_backward_weight", program: "conv_direct", options: directOptions(g),
                           global: [pairs * Self.directGroupSize, splits], local: [Self.directGroupSize, 1],
                           arguments: [.buffer(gradOutput), .buffer(input), .buffer(partial)] + sizeArguments(g))
        if splits > 1 {
            try context.launch("conv_direct_sum_splits", program: "conv_direct", options: directOptions(g), global: [count],
                               arguments: [.buffer(partial), .buffer(gradWeight), .int(count), .int(splits)])
        }
    }
}
