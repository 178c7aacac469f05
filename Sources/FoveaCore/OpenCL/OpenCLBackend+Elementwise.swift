extension OpenCLBackend: ElementwiseBackend {
    public func unary(_ op: UnaryOp, x: Storage, xOffset: Int, out: Storage, count: Int, alpha: Float, beta: Float) throws {
        try runChunked(
            "unary_" + op.kernelSuffix, in: "elementwise", options: Self.elementwiseOptions(op.inCommonBuild), count: count,
            .buffer(x), .int(xOffset), .buffer(out), .int(count), .float(alpha), .float(beta))
    }

    public func unaryBackward(
        _ op: UnaryOp, x: Storage, y: Storage, gradOut: Storage, gradIn: Storage,
        count: Int, alpha: Float, beta: Float
    ) throws {
        try runChunked(
            "unary_backward_" + op.kernelSuffix, in: "elementwise", options: Self.elementwiseOptions(op.inCommonBuild),
            count: count, .buffer(x), .buffer(y), .buffer(gradOut), .buffer(gradIn), .int(count), .float(alpha),
            .float(beta))
    }

    public func binary(
        _ op: BinaryOp, a: Storage, aOffset: Int, aStrides: [Int], b: Storage, bOffset: Int, bStrides: [Int], out: Storage,
        outShape: Shape
    ) throws {
        let layout = BroadcastLayout(shape: outShape, operandStrides: [aStrides, bStrides])
        try layout.checkRank(op: "binary \(op)")
        let n = outShape.count
        switch layout.kind {
        case .contiguous:
            try runChunked(
                "binary_contiguous_" + op.kernelSuffix, in: "elementwise", options: Self.elementwiseOptions(op.inCommonBuild),
                count: n, .buffer(a), .int(aOffset), .buffer(b), .int(bOffset), .buffer(out), .int(n))
        case .scalar(let scalarOperand):
            try runChunked(
                "binary_scalar_" + op.kernelSuffix, in: "elementwise", options: Self.elementwiseOptions(op.inCommonBuild),
                count: n, .buffer(a), .int(aOffset), .buffer(b), .int(bOffset), .buffer(out), .int(n),
                .int(scalarOperand == 0 ? 1 : 0))
        case .strided:
            let arguments: [KernelArgument] =
                [.int(op.rawValue), .buffer(a), .int(aOffset), .buffer(b), .int(bOffset), .buffer(out), .int(n)]
                + Self.paddedLayout(layout)
            try context.launch(
                "binary_strided", program: "elementwise", options: Self.commonElementwiseOptions, global: [n],
                arguments: arguments)
        }
    }

    public func binaryInt32(
        _ op: BinaryOp, a: Storage, aOffset: Int, aStrides: [Int], b: Storage, bOffset: Int, bStrides: [Int], out: Storage,
        outShape: Shape
    ) throws {
        guard op.supportsInt32 else { throw FoveaError.unsupportedDType(op: "binary \(op)", .int32) }
        if op == .add, aOffset == 0, bOffset == 0, aStrides == outShape.strides, bStrides == outShape.strides {
            return try run(
                "add_int", in: "memory", global: [outShape.count], .buffer(a), .buffer(b), .buffer(out), .int(outShape.count))
        }
        let layout = BroadcastLayout(shape: outShape, operandStrides: [aStrides, bStrides])
        try layout.checkRank(op: "binary \(op)")
        let arguments: [KernelArgument] =
            [.int(op.rawValue), .buffer(a), .int(aOffset), .buffer(b), .int(bOffset), .buffer(out), .int(outShape.count)]
            + Self.paddedLayout(layout)
        try context.launch(
            "binary_strided_int", program: "elementwise", options: Self.commonElementwiseOptions, global: [outShape.count],
            arguments: arguments)
    }

    public func convert(_ x: Storage, into out: Storage, count: Int) throws {
        switch (x.dtype, out.dtype) {
        case (.float32, .int32):
            try run(
                "convert_float_int", in: "elementwise", options: Self.commonElementwiseOptions, global: [count], .buffer(x),
                .buffer(out), .int(count))
        case (.int32, .float32):
            try run(
                "convert_int_float", in: "elementwise", options: Self.commonElementwiseOptions, global: [count], .buffer(x),
                .buffer(out), .int(count))
        default: try copy(from: x, offset: 0, to: out, offset: 0, count: count)
        }
    }

    public func expand(_ x: Storage, offset: Int, strides: [Int], into out: Storage, shape: Shape) throws {
        let layout = BroadcastLayout(shape: shape, operandStrides: [strides])
        try layout.checkRank(op: "expand")
        if layout.kind == .contiguous {
            try copy(from: x, offset: offset, to: out, offset: 0, count: shape.count)
            return
        }
        let arguments: [KernelArgument] = [.buffer(x), .int(offset), .buffer(out), .int(shape.count)] + Self.paddedLayout(layout)
        try context.launch(
            "expand", program: "elementwise", options: Self.commonElementwiseOptions, global: [shape.count], arguments: arguments)
    }

    public func scatterStrided(_ x: Storage, into out: Storage, offset: Int, strides: [Int], shape: Shape, accumulate: Bool)
        throws
    {
        let layout = BroadcastLayout(shape: shape, operandStrides: [strides])
        try layout.checkRank(op: "scatterStrided")
        let arguments: [KernelArgument] = [.buffer(x), .buffer(out), .int(offset), .int(shape.count)] + Self.paddedLayout(layout)
        try context.launch(
            accumulate ? "add_strided" : "write_strided", program: "elementwise", options: Self.commonElementwiseOptions,
            global: [shape.count], arguments: arguments)
    }

    /// The options of elementwise.cl's build that has only the kernels of the ops most training steps run, besides the
    /// strided, conversion and layout kernels: the step bundle's (`ProgramBundle`). Every other op's kernels come from
    /// the build without options, so a cold start parses the 60-odd op kernels only when it needs one of them.
    static let commonElementwiseOptions = "-DCOMMON_OPS_ONLY"

    /// The elementwise.cl build that has an op's kernels.
    static func elementwiseOptions(_ inCommonBuild: Bool) -> String { inCommonBuild ? commonElementwiseOptions : "" }

    /// The rank, then dims and each operand's strides, padded in front to the kernels' 8 axes (size 1, stride 0).
    private static func paddedLayout(_ layout: BroadcastLayout) -> [KernelArgument] {
        let padding = BroadcastLayout.maxRank - layout.dims.count
        let dims = [Int](repeating: 1, count: padding) + layout.dims
        let strides = layout.strides.flatMap { [Int](repeating: 0, count: padding) + $0 }
        return ([layout.dims.count] + dims + strides).map { .int($0) }
    }
}

/// `Kernels/elementwise.cl` names an op's kernels after its enum name there: the Swift case name in upper snake case
/// after a U_ (unary) or B_ (binary) prefix, so `leakyRelu`'s forward kernel is `unary_U_LEAKY_RELU`.
private func elementwiseKernelSuffix(prefix: String, caseName: String) -> String {
    prefix
        + caseName.reduce(into: "") { name, character in
            if character.isUppercase { name += "_" }
            name += character.uppercased()
        }
}

extension UnaryOp {
    /// Whether the common build of `Kernels/elementwise.cl` has this op's kernels (its `COMMON_UNARY`).
    var inCommonBuild: Bool { self == .relu }
    /// The suffix of this op's kernels in `Kernels/elementwise.cl` (`U_LEAKY_RELU`).
    var kernelSuffix: String { Self.kernelSuffixes[rawValue] }
    /// Every op's suffix by raw value, worked out once rather than at each launch.
    private static let kernelSuffixes = allCases.map { elementwiseKernelSuffix(prefix: "U_", caseName: "\($0)") }
}

extension BinaryOp {
    /// Whether the common build of `Kernels/elementwise.cl` has this op's kernels (its `COMMON_BINARY`).
    var inCommonBuild: Bool { self == .add || self == .sub || self == .mul || self == .div }
    /// The suffix of this op's kernels in `Kernels/elementwise.cl` (`B_MAXIMUM`).
    var kernelSuffix: String { Self.kernelSuffixes[rawValue] }
    /// Every op's suffix by raw value, worked out once rather than at each launch.
    private static let kernelSuffixes = allCases.map { elementwiseKernelSuffix(prefix: "B_", caseName: "\($0)") }
}
