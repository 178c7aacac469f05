extension OpenCLBackend: ReductionBackend {
    /// Axes up to this long are reduced by one work item per output; longer ones by a work-group tree.
    private static let shortAxis = 64
    /// Elements one work group should combine before a reduction is split into partial passes.
    private static let elementsPerGroup = 4096
    /// Aim for at least this many work groups when few outputs share a long axis.
    private static let targetGroups = 256

    /// Work-group size for tree reductions: a power of two the device accepts.
    private var treeWidth: Int {
        var width = 1
        while width * 2 <= Swift.min(256, context.info.maxWorkGroupSize) { width *= 2 }
        return width
    }

    public func reduce(_ op: ReduceOp, x: Storage, outer: Int, size: Int, inner: Int, out: Storage) throws {
        try reduce(op, x: x, outer: outer, size: size, inner: inner, out: out, scale: op == .mean ? 1 / Float(size) : 1)
    }

    /// Reduces with the result multiplied by `scale`; long axes with few outputs go through a buffer of partial results.
    private func reduce(_ op: ReduceOp, x: Storage, outer: Int, size: Int, inner: Int, out: Storage, scale: Float) throws {
        let outputs = outer * inner
        let options = "-DREDUCE_OP=\(op.rawValue)"
        if size <= Self.shortAxis || (inner > 1 && outputs >= 1024) {
            try run(
                "reduce_rows", in: "reduce", options: options, global: [outputs],
                .buffer(x), .buffer(out), .int(outer), .int(size), .int(inner), .float(scale))
            return
        }
        let width = treeWidth
        let chunks = Swift.max(
            1, Swift.min((size + Self.elementsPerGroup - 1) / Self.elementsPerGroup, Self.targetGroups / outputs))
        let chunkLength = (size + chunks - 1) / chunks
        let target = chunks == 1 ? out : try allocate(outer * chunks * inner)
        try run(
            "reduce_groups", in: "reduce", options: options, global: [outer * chunks * inner * width], local: [width],
            .buffer(x), .buffer(target), .int(outer), .int(size), .int(inner), .int(chunks), .int(chunkLength),
            .float(chunks == 1 ? scale : 1), .local(bytes: width * DType.float32.byteSize))
        if chunks > 1 {
            try reduce(op == .mean ? .sum : op, x: target, outer: outer, size: chunks, inner: inner, out: out, scale: scale)
        }
    }

    public func reduceInt32(_ op: ReduceOp, x: Storage, outer: Int, size: Int, inner: Int, out: Storage) throws {
        guard op != .mean else { throw FoveaError.unsupportedDType(op: "mean", .int32) }
        try run(
            "reduce_int_rows", in: "reduce", global: [outer * inner],
            .int(op.rawValue), .buffer(x), .buffer(out), .int(outer), .int(size), .int(inner))
    }

    public func argmax(x: Storage, outer: Int, size: Int, inner: Int, out: Storage) throws {
        let outputs = outer * inner
        if size <= Self.shortAxis || (inner > 1 && outputs >= 1024) {
            try run(
                "argmax_rows", in: "reduce", global: [outputs], .buffer(x), .buffer(out), .int(outer), .int(size), .int(inner))
        } else {
            let width = treeWidth
            try run(
                "argmax_groups", in: "reduce", global: [outputs * width], local: [width],
                .buffer(x), .buffer(out), .int(outer), .int(size), .int(inner), .local(bytes: width * DType.float32.byteSize),
                .local(bytes: width * DType.int32.byteSize))
        }
    }

    public func softmax(x: Storage, outer: Int, size: Int, inner: Int, out: Storage, log: Bool) throws {
        if inner == 1 && size > Self.shortAxis {
            let width = treeWidth
            try run(
                "softmax_groups", in: "softmax", global: [outer * width], local: [width],
                .buffer(x), .buffer(out), .int(size), .int(log ? 1 : 0), .local(bytes: width * DType.float32.byteSize))
        } else {
            try run(
                "softmax_rows", in: "softmax", global: [outer * inner],
                .buffer(x), .buffer(out), .int(outer), .int(size), .int(inner), .int(log ? 1 : 0))
        }
    }

    public func softmaxBackward(y: Storage, gradOut: Storage, outer: Int, size: Int, inner: Int, gradIn: Storage, log: Bool)
        throws
    {
        if inner == 1 && size > Self.shortAxis {
            let width = treeWidth
            try run(
                "softmax_backward_groups", in: "softmax", global: [outer * width], local: [width],
                .buffer(y), .buffer(gradOut), .buffer(gradIn), .int(size), .int(log ? 1 : 0),
                .local(bytes: width * DType.float32.byteSize))
        } else {
            try run(
                "softmax_backward_rows", in: "softmax", global: [outer * inner],
                .buffer(y), .buffer(gradOut), .buffer(gradIn), .int(outer), .int(size), .int(inner), .int(log ? 1 : 0))
        }
    }
}
