/// Pooling on OpenCL: `Kernels/pool.cl`, compiled once per kind (-DKIND), its kernels named after the kind (`pool2d_max`).
extension OpenCLBackend: PoolingBackend {
    private func sizeArguments(_ g: PoolingGeometry) -> [KernelArgument] {
        [
            .int(g.planes), .int(g.height), .int(g.width), .int(g.kernel.height), .int(g.kernel.width),
            .int(g.stride.height), .int(g.stride.width), .int(g.padding.height), .int(g.padding.width),
            .int(g.output.height), .int(g.output.width),
        ]
    }

    func poolOptions(_ kind: PoolKind) -> String { "-DKIND=\(kind.rawValue)" }

    /// Consecutive outputs of a row per work item: 1 on GPUs, the whole row on CPUs (see `elementsPerItem`).
    private func rowChunk(_ g: PoolingGeometry) -> Int { context.info.isGPU ? 1 : g.output.width }

    public func pool2d(_ kind: PoolKind, _ x: Storage, geometry g: PoolingGeometry, into y: Storage) throws {
        let chunk = rowChunk(g)
        try context.launch(
            "pool2d_\(kind)", program: "pool", options: poolOptions(kind),
            global: [items(g.output.width, chunk) * g.planes, g.output.height],
            arguments: [.buffer(x), .buffer(y)] + sizeArguments(g) + [.int(chunk)])
    }

    /// Windows that tile the input exactly (the usual 2x2, stride 2 on even sizes) take a kernel with one item per window
    /// and no search for overlapping windows; others gather per input element.
    public func pool2dBackward(
        _ kind: PoolKind, gradOutput: Storage, input: Storage, output: Storage,
        geometry g: PoolingGeometry, into gradInput: Storage
    ) throws {
        let tiled =
            g.stride == g.kernel && g.padding == Size2D(0)
            && g.height == g.output.height * g.kernel.height && g.width == g.output.width * g.kernel.width
        if tiled {
            let chunk = rowChunk(g)
            return try context.launch(
                "pool2d_backward_tiled_\(kind)", program: "pool", options: poolOptions(kind),
                global: [items(g.output.width, chunk) * g.planes, g.output.height],
                arguments: [.buffer(gradOutput), .buffer(input), .buffer(output), .buffer(gradInput)]
                    + sizeArguments(g) + [.int(chunk)])
        }
        try context.launch(
            "pool2d_backward_\(kind)", program: "pool", options: poolOptions(kind),
            global: [g.planes * g.height * g.width],
            arguments: [.buffer(gradOutput), .buffer(input), .buffer(output), .buffer(gradInput)] + sizeArguments(g))
    }
}
