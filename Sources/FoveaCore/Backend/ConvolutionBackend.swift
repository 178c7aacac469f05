/// The sizes of one 2-D convolution over an NCHW batch, with a weight of shape [outChannels, inChannels / groups, kh, kw].
public struct ConvolutionGeometry: Sendable, Hashable {
    public var batch: Int, inChannels: Int, height: Int, width: Int
    public var outChannels: Int
    public var kernel: Size2D, stride: Size2D, dilation: Size2D
    /// Zeros added above and to the left; the padding below and to the right is whatever `output` implies.
    public var padding: Size2D
    public var groups: Int
    public var output: Size2D
    /// Images per im2col pass; by default as many as keep the column matrix within about 64M floats (256 MB).
    public var imagesPerChunk: Int

    public init(
        batch: Int, inChannels: Int, height: Int, width: Int, outChannels: Int, kernel: Size2D,
        stride: Size2D, padding: Size2D, dilation: Size2D, groups: Int, output: Size2D
    ) {
        self.batch = batch; self.inChannels = inChannels; self.height = height; self.width = width
        self.outChannels = outChannels; self.kernel = kernel; self.stride = stride; self.padding = padding
        self.dilation = dilation; self.groups = groups; self.output = output
        let columnsPerImage = max(1, inChannels * kernel.height * kernel.width * output.height * output.width)
        self.imagesPerChunk = max(1, min(batch, (64 << 20) / columnsPerImage))
    }

    /// Rows of `channels` features as a batch of 1x1 images ([batch, channels, 1, 1]), for the ops that share the
    /// convolution's per-channel kernels (a fully connected layer's activation and bias gradients).
    public static func pointwise(batch: Int, channels: Int) -> ConvolutionGeometry {
        ConvolutionGeometry(
            batch: batch, inChannels: channels, height: 1, width: 1, outChannels: channels, kernel: Size2D(1),
            stride: Size2D(1), padding: Size2D(0), dilation: Size2D(1), groups: 1, output: Size2D(1))
    }

    /// Output pixels per image and channel.
    public var outputPlane: Int { output.height * output.width }
    /// Elements of the output, batch * outChannels * outputPlane.
    public var outputCount: Int { batch * outChannels * outputPlane }
    /// Rows of the column matrix for one group: (inChannels / groups) * kh * kw.
    public var groupPatch: Int { inChannels / groups * kernel.height * kernel.width }
    public var groupOutChannels: Int { outChannels / groups }
}

/// Convolution primitives. The four whole-op entry points have an im2col + GEMM default (ARCHITECTURE.md, decision 8)
/// built on the column primitives below; a backend may override them with direct kernels.
///
/// Column layout, for images `batchStart ..< batchStart + batchCount`: one row per (input channel, kernel row, kernel column),
/// one column per (image, output row, output column), so group g's rows are a contiguous block of `groupPatch` rows.
public protocol ConvolutionBackend: AnyObject {
    /// y = conv2d(x, weight) + bias, all NCHW.
    func conv2d(_ x: Storage, weight: Storage, bias: Storage?, geometry: ConvolutionGeometry, into y: Storage) throws
    /// The gradient with respect to the input (overwrites `gradInput`).
    func conv2dBackwardData(_ gradOutput: Storage, weight: Storage, geometry: ConvolutionGeometry, into gradInput: Storage) throws
    /// The gradient with respect to the weight (overwrites `gradWeight`).
    func conv2dBackwardWeight(_ gradOutput: Storage, input: Storage, geometry: ConvolutionGeometry, into gradWeight: Storage)
        throws
    /// The gradient with respect to the bias: gradOutput summed over images and pixels, per output channel.
    func conv2dBackwardBias(_ gradOutput: Storage, geometry: ConvolutionGeometry, into gradBias: Storage) throws
    /// y = activation(conv2d(x, weight) + bias) (`ConvolutionActivation.swift` has the composition as a default).
    func conv2d(
        _ x: Storage, weight: Storage, bias: Storage?, activation: ConvolutionActivation, geometry: ConvolutionGeometry,
        into y: Storage) throws
    /// The gradient before the activation, gradOutput * activation'(output), into `gradPreActivation`, and its sum per
    /// output channel (the bias gradient) into `gradBias` when given. `activation` is not `.identity`.
    func conv2dActivationBackward(
        _ gradOutput: Storage, output: Storage, activation: ConvolutionActivation,
        geometry: ConvolutionGeometry, gradPreActivation: Storage, gradBias: Storage?) throws

    /// Unfolds input patches into the column matrix ([inChannels * kh * kw] x [batchCount * outputPlane]); padding reads 0.
    func im2col(_ x: Storage, geometry: ConvolutionGeometry, batchStart: Int, batchCount: Int, into columns: Storage) throws
    /// The adjoint of `im2col`: each input element of those images becomes the sum of the column entries that read it.
    func col2im(_ columns: Storage, geometry: ConvolutionGeometry, batchStart: Int, batchCount: Int, into gradInput: Storage)
        throws
    /// Writes rows [outChannels] x [batchCount * outputPlane] into those images of the NCHW output, adding `bias` per channel.
    func convScatterOutput(
        _ rows: Storage, bias: Storage?, geometry: ConvolutionGeometry,
        batchStart: Int, batchCount: Int, into y: Storage) throws
    /// The inverse of `convScatterOutput` without bias: those images of an NCHW output gradient into rows.
    func convGatherOutput(
        _ gradOutput: Storage, geometry: ConvolutionGeometry,
        batchStart: Int, batchCount: Int, into rows: Storage) throws
}

extension ConvolutionBackend where Self: MemoryBackend & LinearAlgebraBackend {
    public func conv2d(_ x: Storage, weight: Storage, bias: Storage?, geometry g: ConvolutionGeometry, into y: Storage) throws {
        try conv2dViaColumns(x, weight: weight, bias: bias, geometry: g, into: y)
    }

    public func conv2dBackwardData(
        _ gradOutput: Storage, weight: Storage, geometry g: ConvolutionGeometry, into gradInput: Storage
    ) throws {
        try conv2dBackwardDataViaColumns(gradOutput, weight: weight, geometry: g, into: gradInput)
    }

    public func conv2dBackwardWeight(
        _ gradOutput: Storage, input: Storage, geometry g: ConvolutionGeometry, into gradWeight: Storage
    ) throws {
        try conv2dBackwardWeightViaColumns(gradOutput, input: input, geometry: g, into: gradWeight)
    }

    /// Runs `body` for each chunk of images with column and row scratch buffers sized for the largest chunk.
    private func forEachChunk(
        _ g: ConvolutionGeometry,
        _ body: (_ start: Int, _ count: Int, _ columns: Storage, _ rows: Storage) throws -> Void
    ) throws {
        let chunk = max(1, min(g.imagesPerChunk, g.batch))
        let columns = try allocate(g.groups * g.groupPatch * chunk * g.outputPlane)
        let rows = try allocate(g.outChannels * chunk * g.outputPlane)
        for start in stride(from: 0, to: g.batch, by: chunk) {
            try body(start, min(chunk, g.batch - start), columns, rows)
        }
    }

    /// `conv2d` through im2col + GEMM (the default; a backend with direct kernels still uses it for other shapes).
    public func conv2dViaColumns(_ x: Storage, weight: Storage, bias: Storage?, geometry g: ConvolutionGeometry, into y: Storage)
        throws
    {
        try forEachChunk(g) { start, count, columns, rows in
            try im2col(x, geometry: g, batchStart: start, batchCount: count, into: columns)
            // rows[group] (ocg x m) = weight[group] (ocg x patch) * columns[group] (patch x m)
            let m = count * g.outputPlane
            var d = GemmDescriptor(m: g.groupOutChannels, n: m, k: g.groupPatch)
            d.batch = g.groups
            d.strideA = g.groupOutChannels * g.groupPatch; d.strideB = g.groupPatch * m; d.strideC = g.groupOutChannels * m
            try gemm(d, a: weight, b: columns, c: rows)
            try convScatterOutput(rows, bias: bias, geometry: g, batchStart: start, batchCount: count, into: y)
        }
    }

    /// `conv2dBackwardData` through GEMM + col2im.
    public func conv2dBackwardDataViaColumns(
        _ gradOutput: Storage, weight: Storage, geometry g: ConvolutionGeometry,
        into gradInput: Storage
    ) throws {
        try forEachChunk(g) { start, count, columns, rows in
            try convGatherOutput(gradOutput, geometry: g, batchStart: start, batchCount: count, into: rows)
            // columns[group] (patch x m) = weight[group]^T (patch x ocg) * rows[group] (ocg x m)
            let m = count * g.outputPlane
            var d = GemmDescriptor(m: g.groupPatch, n: m, k: g.groupOutChannels, transposeA: true)
            d.batch = g.groups
            d.strideA = g.groupOutChannels * g.groupPatch; d.strideB = g.groupOutChannels * m; d.strideC = g.groupPatch * m
            try gemm(d, a: weight, b: rows, c: columns)
            try col2im(columns, geometry: g, batchStart: start, batchCount: count, into: gradInput)
        }
    }

    /// `conv2dBackwardWeight` through im2col + GEMM.
    public func conv2dBackwardWeightViaColumns(
        _ gradOutput: Storage, input: Storage, geometry g: ConvolutionGeometry,
        into gradWeight: Storage
    ) throws {
        try fill(gradWeight, offset: 0, count: g.outChannels * g.groupPatch, value: 0)
        try forEachChunk(g) { start, count, columns, rows in
            try im2col(input, geometry: g, batchStart: start, batchCount: count, into: columns)
            try convGatherOutput(gradOutput, geometry: g, batchStart: start, batchCount: count, into: rows)
            // gradWeight[group] (ocg x patch) += rows[group] (ocg x m) * columns[group]^T (m x patch)
            let m = count * g.outputPlane
            var d = GemmDescriptor(m: g.groupOutChannels, n: g.groupPatch, k: m, transposeB: true, beta: 1)
            d.batch = g.groups
            d.strideA = g.groupOutChannels * m; d.strideB = g.groupPatch * m; d.strideC = g.groupOutChannels * g.groupPatch
            try gemm(d, a: rows, b: columns, c: gradWeight)
        }
    }
}
