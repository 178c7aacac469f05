/// Direct convolution kernels (`Kernels/conv_direct.cl`) for small patches, where im2col + GEMM spends most of its time
/// moving the column matrix and CLBlast runs tiny, skinny GEMMs (LeNet's 1- and 6-channel 5x5 layers). Other shapes
/// keep the im2col + CLBlast path of `ConvolutionBackend`.
///
/// Tuned per device type. A GPU gets one output pixel per work item (coalesced along rows), tiles of 8 channels and
/// groups of 64. A CPU (PoCL) gets a row segment of as many pixels as its SIMD vector holds per work item, as one
/// floatN (PoCL does not vectorize across work items of these loop-heavy kernels), tiles of up to 16 channels and
/// weight-gradient groups of 16 (fewer per-item accumulators kept across the barrier).
extension OpenCLBackend {
    /// Whether the direct kernels handle this shape. On a CPU device CLBlast's GEMMs are slow for every shape we meet,
    /// so any patch up to 4096 goes direct; a GPU keeps im2col + CLBlast once a patch is large enough for GEMM tiles.
    func usesDirectConvolution(_ g: ConvolutionGeometry) -> Bool {
        guard g.groups == 1, g.kernel.height * g.kernel.width <= 49 else { return false }
        return g.groupPatch <= (context.info.isGPU ? 256 : 4096)
    }

    private var isGPU: Bool { context.info.isGPU }
    /// Output (input) channels per work item in the forward (input-gradient) kernel.
    private var channelTile: Int { isGPU ? 8 : 16 }
    /// Pixels of a row per work item: a float vector's width on CPUs (at least 4, at most 16), 1 on GPUs.
    private var pixelsPerItem: Int { isGPU ? 1 : min(16, max(4, context.info.preferredFloatVectorWidth)) }
    /// Work items per group: along pixels (forward, input gradient) and in the weight-gradient reduction (`WG`).
    private var groupSize: Int { 64 }
    private var weightGroupSize: Int { isGPU ? 64 : 16 }

    /// The build options that specialize conv_direct.cl for this geometry and device.
    private func directOptions(_ g: ConvolutionGeometry) -> String {
        "-DKH=\(g.kernel.height) -DKW=\(g.kernel.width) -DSH=\(g.stride.height) -DSW=\(g.stride.width) "
            + "-DPT=\(g.padding.height) -DPL=\(g.padding.width) -DDH=\(g.dilation.height) -DDW=\(g.dilation.width) "
            + "-DOCT=\(min(g.outChannels, channelTile)) -DCT=\(min(g.inChannels, channelTile)) "
            + "-DPX=\(pixelsPerItem) -DWG=\(weightGroupSize)"
    }

    private func sizeArguments(_ g: ConvolutionGeometry) -> [KernelArgument] {
        [.int(g.batch), .int(g.inChannels), .int(g.height), .int(g.width), .int(g.outChannels), .int(g.output.height), .int(g.output.width)]
    }

    private func segments(_ width: Int) -> Int { (width + pixelsPerItem - 1) / pixelsPerItem }

    func directConv2d(_ x: Storage, weight: Storage, bias: Storage?, geometry g: ConvolutionGeometry, into y: Storage) throws {
        let tiles = (g.outChannels + channelTile - 1) / channelTile
        try context.launch("conv_direct_forward", program: "conv_direct", options: directOptions(g),
                           global: [g.batch * g.output.height * segments(g.output.width), tiles], local: [groupSize, 1],
                           arguments: [.buffer(x), .buffer(weight), .buffer(bias ?? weight), .int(bias == nil ? 0 : 1), .buffer(y)]
                               + sizeArguments(g))
    }

    /// At stride 1 a convolution of the output gradient (row segments per item); at other strides a gather, one input
    /// pixel per item.
    func directConv2dBackwardData(_ gradOutput: Storage, weight: Storage, geometry g: ConvolutionGeometry, into gradInput: Storage) throws {
        let tiles = (g.inChannels + channelTile - 1) / channelTile
        let unitStride = g.stride.height == 1 && g.stride.width == 1
        let items = g.batch * g.height * (unitStride ? segments(g.width) : g.width)
        try context.launch("conv_direct_backward_data", program: "conv_direct", options: directOptions(g),
                           global: [items, tiles], local: [groupSize, 1],
                           arguments: [.buffer(gradOutput), .buffer(weight), .buffer(gradInput)] + sizeArguments(g))
    }

    /// One work-group per (output channel, input channel) pair and batch split; a GPU splits the batch until it has
    /// about four groups per compute unit (then sums the splits in a second kernel), a CPU only until every core has one.
    func directConv2dBackwardWeight(_ gradOutput: Storage, input: Storage, geometry g: ConvolutionGeometry, into gradWeight: Storage) throws {
        let pairs = g.outChannels * g.inChannels, count = pairs * g.kernel.height * g.kernel.width
        let wantedGroups = isGPU ? 4 * context.info.computeUnits : context.info.computeUnits
        let splits = max(1, min(g.batch, (wantedGroups + pairs - 1) / pairs))
        let partial = splits == 1 ? gradWeight : try allocate(splits * count)
        try context.launch("conv_direct_backward_weight", program: "conv_direct", options: directOptions(g),
                           global: [pairs * weightGroupSize, splits], local: [weightGroupSize, 1],
                           arguments: [.buffer(gradOutput), .buffer(input), .buffer(partial)] + sizeArguments(g))
        if splits > 1 {
            try context.launch("conv_direct_sum_splits", program: "conv_direct", options: directOptions(g), global: [count],
                               arguments: [.buffer(partial), .buffer(gradWeight), .int(count), .int(splits)])
        }
    }
}
