extension OpenCLBackend {
    /// The programs (with the options their launches use) that a zoo model's training step builds on this device, compiled
    /// as one program on first use (`ProgramBundle`): memory, layout, convolution (im2col, bias gradient), random and
    /// elementwise kernels, the optimizers, the loss from logits, batch norm in training, max and average pooling
    /// (global average pooling), and on CPU devices the small GEMM. Other variants (sum, min and L2 pooling,
    /// evaluation-mode batch norm) build alone.
    var stepPrograms: ProgramBundle {
        var members: [ProgramBundle.Member] = [
            .init(program: "memory", options: ""), .init(program: "layout", options: ""), .init(program: "conv", options: ""),
            .init(program: "random", options: ""), .init(program: "elementwise", options: Self.commonElementwiseOptions),
            .init(program: "optim", options: optimOptions), .init(program: "loss", options: lossOptions(fromLogits: true)),
            .init(program: "norm", options: normOptions(batchStatistics: true)),
            .init(program: "pool", options: poolOptions(.max)), .init(program: "pool", options: poolOptions(.average)),
        ]
        if !context.info.isGPU { members.append(.init(program: "gemm", options: smallGemmOptions)) }
        return ProgramBundle(members)
    }
}
