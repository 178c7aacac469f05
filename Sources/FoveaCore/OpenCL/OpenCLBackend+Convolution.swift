/// Convolution on OpenCL: direct kernels for small patches (see OpenCLBackend+DirectConvolution.swift), otherwise the
/// protocol's im2col + CLBlast GEMM over the column primitives of `Kernels/conv.cl`.
extension OpenCLBackend: ConvolutionBackend {
    public func conv2d(_ x: Storage, weight: Storage, bias: Storage?, geometry g: ConvolutionGeometry, into y: Storage) throws {
        try conv2d(x, weight: weight, bias: bias, activation: .identity, geometry: g, into: y)
    }

    /// The direct kernels apply the activation as they store; im2col + GEMM runs it afterwards in place.
    public func conv2d(
        _ x: Storage, weight: Storage, bias: Storage?, activation: ConvolutionActivation,
        geometry g: ConvolutionGeometry, into y: Storage
    ) throws {
        if usesDirectConvolution(g) {
            return try directConv2d(x, weight: weight, bias: bias, activation: activation, geometry: g, into: y)
        }
        try conv2dViaColumns(x, weight: weight, bias: bias, geometry: g, into: y)
        if let op = activation.unaryOp { try unary(op, x: y, out: y, count: g.outputCount, alpha: 0, beta: 0) }
    }

    /// One kernel for the activation's gradient and the bias gradient (`conv_bias_grad_relu`, ... in Kernels/conv.cl).
    public func conv2dActivationBackward(
        _ gradOutput: Storage, output: Storage, activation: ConvolutionActivation,
        geometry g: ConvolutionGeometry, gradPreActivation: Storage, gradBias: Storage?
    ) throws {
        try biasGradient(
            gradOutput, output: output, activation: activation, geometry: g, gradPreActivation: gradPreActivation,
            gradBias: gradBias)
    }

    public func conv2dBackwardData(
        _ gradOutput: Storage, weight: Storage, geometry g: ConvolutionGeometry, into gradInput: Storage
    ) throws {
        if usesDirectConvolution(g) {
            return try directConv2dBackwardData(gradOutput, weight: weight, geometry: g, into: gradInput)
        }
        try conv2dBackwardDataViaColumns(gradOutput, weight: weight, geometry: g, into: gradInput)
    }

    public func conv2dBackwardWeight(
        _ gradOutput: Storage, input: Storage, geometry g: ConvolutionGeometry, into gradWeight: Storage
    ) throws {
        if usesDirectConvolution(g) {
            return try directConv2dBackwardWeight(gradOutput, input: input, geometry: g, into: gradWeight)
        }
        try conv2dBackwardWeightViaColumns(gradOutput, input: input, geometry: g, into: gradWeight)
    }

    /// The geometry arguments shared by im2col and col2im, after the two buffers.
    private func columnArguments(_ g: ConvolutionGeometry, batchStart: Int, batchCount: Int) -> [KernelArgument] {
        [
            .int(batchStart), .int(batchCount), .int(g.inChannels), .int(g.height), .int(g.width),
            .int(g.kernel.height), .int(g.kernel.width), .int(g.stride.height), .int(g.stride.width),
            .int(g.padding.height), .int(g.padding.width), .int(g.dilation.height), .int(g.dilation.width),
            .int(g.output.height), .int(g.output.width),
        ]
    }

    public func im2col(_ x: Storage, geometry g: ConvolutionGeometry, batchStart: Int, batchCount: Int, into columns: Storage)
        throws
    {
        try context.launch(
            "im2col", program: "conv",
            global: [batchCount * g.outputPlane, g.inChannels * g.kernel.height * g.kernel.width],
            arguments: [.buffer(x), .buffer(columns)] + columnArguments(g, batchStart: batchStart, batchCount: batchCount))
    }

    public func col2im(
        _ columns: Storage, geometry g: ConvolutionGeometry, batchStart: Int, batchCount: Int, into gradInput: Storage
    ) throws {
        try context.launch(
            "col2im", program: "conv", global: [batchCount * g.inChannels * g.height * g.width],
            arguments: [.buffer(columns), .buffer(gradInput)] + columnArguments(g, batchStart: batchStart, batchCount: batchCount)
        )
    }

    public func convScatterOutput(
        _ rows: Storage, bias: Storage?, geometry g: ConvolutionGeometry,
        batchStart: Int, batchCount: Int, into y: Storage
    ) throws {
        let global = [batchCount * g.outChannels * g.outputPlane]
        let sizes: [KernelArgument] = [.int(batchStart), .int(batchCount), .int(g.outChannels), .int(g.outputPlane)]
        if let bias {
            try context.launch(
                "conv_scatter_output_bias", program: "conv", global: global,
                arguments: [.buffer(rows), .buffer(bias), .buffer(y)] + sizes)
        } else {
            try context.launch(
                "conv_scatter_output", program: "conv", global: global, arguments: [.buffer(rows), .buffer(y)] + sizes)
        }
    }

    public func convGatherOutput(
        _ gradOutput: Storage, geometry g: ConvolutionGeometry,
        batchStart: Int, batchCount: Int, into rows: Storage
    ) throws {
        try run(
            "conv_gather_output", in: "conv", global: [batchCount * g.outChannels * g.outputPlane],
            .buffer(gradOutput), .buffer(rows), .int(batchStart), .int(batchCount), .int(g.outChannels), .int(g.outputPlane))
    }

    public func conv2dBackwardBias(_ gradOutput: Storage, geometry g: ConvolutionGeometry, into gradBias: Storage) throws {
        try biasGradient(
            gradOutput, output: gradOutput, activation: .identity, geometry: g, gradPreActivation: gradOutput,
            gradBias: gradBias)
    }

    /// `conv_bias_grad_<activation>`: placeholders stand for the buffers a call does not use (never touched).
    private func biasGradient(
        _ gradOutput: Storage, output: Storage, activation: ConvolutionActivation, geometry g: ConvolutionGeometry,
        gradPreActivation: Storage, gradBias: Storage?
    ) throws {
        let group = 64  // BIAS_GROUP in conv.cl
        try run(
            activation.biasGradientKernel, in: "conv", global: [g.outChannels * group], local: [group],
            .buffer(gradOutput), .buffer(output), .buffer(gradPreActivation), .buffer(gradBias ?? gradOutput),
            .int(gradBias == nil ? 0 : 1), .int(g.batch), .int(g.outChannels), .int(g.outputPlane))
    }
}

extension ConvolutionActivation {
    /// Its bias-gradient kernel in Kernels/conv.cl (`conv_bias_grad_relu`), named once rather than at each launch.
    fileprivate var biasGradientKernel: String { Self.biasGradientKernels[rawValue] }
    private static let biasGradientKernels = allCases.map { "conv_bias_grad_\($0)" }
}
