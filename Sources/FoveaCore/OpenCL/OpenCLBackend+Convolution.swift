/// Convolution on OpenCL: the column primitives are kernels of `Kernels/conv.cl`; the whole ops use the protocol's
/// im2col + CLBlast GEMM.
extension OpenCLBackend: ConvolutionBackend {
    /// The geometry arguments shared by im2col and col2im, after the two buffers.
    private func columnArguments(_ g: ConvolutionGeometry, batchStart: Int, batchCount: Int) -> [KernelArgument] {
        [.int(batchStart), .int(batchCount), .int(g.inChannels), .int(g.height), .int(g.width),
         .int(g.kernel.height), .int(g.kernel.width), .int(g.stride.height), .int(g.stride.width),
         .int(g.padding.height), .int(g.padding.width), .int(g.dilation.height), .int(g.dilation.width),
         .int(g.output.height), .int(g.output.width)]
    }

    public func im2col(_ x: Storage, geometry g: ConvolutionGeometry, batchStart: Int, batchCount: Int, into columns: Storage) throws {
        try context.launch("im2col", program: "conv",
                           global: [batchCount * g.outputPlane, g.inChannels * g.kernel.height * g.kernel.width],
                           arguments: [.buffer(x), .buffer(columns)] + columnArguments(g, batchStart: batchStart, batchCount: batchCount))
    }

    public func col2im(_ columns: Storage, geometry g: ConvolutionGeometry, batchStart: Int, batchCount: Int, into gradInput: Storage) throws {
        try context.launch("col2im", program: "conv", global: [batchCount * g.inChannels * g.height * g.width],
                           arguments: [.buffer(columns), .buffer(gradInput)] + columnArguments(g, batchStart: batchStart, batchCount: batchCount))
    }

    public func convScatterOutput(_ rows: Storage, bias: Storage?, geometry g: ConvolutionGeometry,
                                  batchStart: Int, batchCount: Int, into y: Storage) throws {
        let global = [batchCount * g.outChannels * g.outputPlane]
        let sizes: [KernelArgument] = [.int(batchStart), .int(batchCount), .int(g.outChannels), .int(g.outputPlane)]
        if let bias {
            try context.launch("conv_scatter_output_bias", program: "conv", global: global,
                               arguments: [.buffer(rows), .buffer(bias), .buffer(y)] + sizes)
        } else {
            try context.launch("conv_scatter_output", program: "conv", global: global, arguments: [.buffer(rows), .buffer(y)] + sizes)
        }
    }

    public func convGatherOutput(_ gradOutput: Storage, geometry g: ConvolutionGeometry,
                                 batchStart: Int, batchCount: Int, into rows: Storage) throws {
        try run("conv_gather_output", in: "conv", global: [batchCount * g.outChannels * g.outputPlane],
                .buffer(gradOutput), .buffer(rows), .int(batchStart), .int(batchCount), .int(g.outChannels), .int(g.outputPlane))
    }

    public func conv2dBackwardBias(_ gradOutput: Storage, geometry g: ConvolutionGeometry, into gradBias: Storage) throws {
        let group = 64  // BIAS_GROUP in conv.cl
        try run("conv_bias_grad", in: "conv", global: [g.outChannels * group], local: [group],
                .buffer(gradOutput), .buffer(gradBias), .int(g.batch), .int(g.outChannels), .int(g.outputPlane))
    }
}
