extension OpenCLBackend: NormalizationBackend {
    /// The kernel applies ReLU as it writes the output; a residual is added, and ReLU applied, by elementwise passes
    /// after it.
    public func batchNormForward(
        _ x: Storage, residual: Storage?, into out: Storage, shape: BatchNormShape, weight: Storage?, bias: Storage?,
        runningMean: Storage?, runningVar: Storage?, useBatchStatistics: Bool,
        momentum: Float, eps: Float, savedMean: Storage, savedInvStd: Storage, relu: Bool
    ) throws {
        let hasRunning = runningMean != nil && runningVar != nil
        guard useBatchStatistics || hasRunning else {
            throw FoveaError.invalidArgument("batchNorm: running statistics are required when not using batch statistics")
        }
        let (kernel, global, local) = normLaunch("batch_norm_forward", channels: shape.channels)
        try run(
            kernel, in: "norm", options: normOptions(batchStatistics: useBatchStatistics), global: global, local: local,
            .buffer(x), .buffer(out), .int(shape.batch), .int(shape.channels), .int(shape.spatial),
            .buffer(weight ?? x), .int(weight == nil ? 0 : 1), .buffer(bias ?? x), .int(bias == nil ? 0 : 1),
            .buffer(runningMean ?? savedMean), .buffer(runningVar ?? savedInvStd), .int(hasRunning ? 1 : 0),
            .float(momentum), .float(eps), .buffer(savedMean), .buffer(savedInvStd), .int(relu && residual == nil ? 1 : 0))
        guard let residual else { return }
        try binary(.add, a: out, aStrides: [1], b: residual, bStrides: [1], out: out, outShape: [out.count])
        if relu { try unary(.relu, x: out, out: out, count: out.count, alpha: 0, beta: 0) }
    }

    /// The kernel masks the output gradient where the fused ReLU's output is 0 as it reads it; the residual's gradient
    /// is written by ReLU's backward (the output standing for its input) first, and the kernel then reads that.
    public func batchNormBackward(
        _ gradOut: Storage, reluOutput: Storage?, gradResidual: Storage?, x: Storage, shape: BatchNormShape,
        weight: Storage?, savedMean: Storage, savedInvStd: Storage, batchStatistics: Bool,
        gradInput: Storage?, gradWeight: Storage?, gradBias: Storage?
    ) throws {
        var (gradOut, reluOutput) = (gradOut, reluOutput)
        if let gradResidual {
            if let mask = reluOutput {
                try unaryBackward(
                    .relu, x: mask, y: mask, gradOut: gradOut, gradIn: gradResidual, count: gradOut.count, alpha: 0, beta: 0)
            } else {
                try copy(from: gradOut, offset: 0, to: gradResidual, offset: 0, count: gradOut.count)
            }
            (gradOut, reluOutput) = (gradResidual, nil)
        }
        let (kernel, global, local) = normLaunch("batch_norm_backward", channels: shape.channels)
        // The forward's build options (the backward ignores BATCH_STATS): one program, compiled once, serves both.
        try run(
            kernel, in: "norm", options: normOptions(batchStatistics: batchStatistics), global: global, local: local,
            .buffer(gradOut), .buffer(reluOutput ?? gradOut), .int(reluOutput == nil ? 0 : 1), .buffer(x), .int(shape.batch),
            .int(shape.channels), .int(shape.spatial),
            .buffer(weight ?? x), .int(weight == nil ? 0 : 1),
            .buffer(savedMean), .buffer(savedInvStd), .int(batchStatistics ? 1 : 0),
            .buffer(gradInput ?? savedMean), .int(gradInput == nil ? 0 : 1),
            .buffer(gradWeight ?? savedMean), .int(gradWeight == nil ? 0 : 1),
            .buffer(gradBias ?? savedMean), .int(gradBias == nil ? 0 : 1))
    }

    /// The kernel and grid of a batch-norm pass: on GPUs a work-group of `reductionGroupSize` items per channel, whose
    /// neighbouring items read neighbouring values; on CPU devices the `_rows` kernel, one item per channel walking its
    /// contiguous rows as SIMD (PoCL runs a work-group's items one after another, so the group's stride of 256 values
    /// left each item a scalar loop with a division per value).
    private func normLaunch(_ kernel: String, channels: Int) -> (kernel: String, global: [Int], local: [Int]) {
        if context.info.isGPU {
            let local = reductionGroupSize
            return (kernel, [channels * local], [local])
        }
        return (kernel + "_rows", [channels], [1])
    }

    func normOptions(batchStatistics: Bool) -> String {
        "-DLOCAL_SIZE=\(reductionGroupSize) -DBATCH_STATS=\(batchStatistics ? 1 : 0)"
    }

    /// Work-group size of the reduction kernels (norm, loss, optim): a power of two, at most 256, and 1 on CPU devices,
    /// where PoCL runs a group's items one after another anyway, and compiled the loss kernel's barriers for 256 items in
    /// 0.3-0.4 s of a cold start against 0.1 s for one item.
    var reductionGroupSize: Int {
        if !context.info.isGPU { return 1 }
        var size = 256
        while size > max(context.info.maxWorkGroupSize, 1) { size /= 2 }
        return size
    }
}
