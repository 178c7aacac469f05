extension OpenCLBackend: RandomBackend {
    public func fillRandom(_ storage: Storage, count: Int, distribution: RandomDistribution, state: PhiloxState) throws {
        try state.checkAligned(op: "fillRandom")
        switch distribution {
        case let .uniform(low, high):
            try launchRandom("random_uniform", count: count, state: state, [.buffer(storage)], [.float(low), .float(high)])
        case let .normal(mean, std):
            try launchRandom("random_normal", count: count, state: state, [.buffer(storage)], [.float(mean), .float(std)])
        case let .bernoulli(p):
            try launchRandom("random_bernoulli", count: count, state: state, [.buffer(storage)], [.float(p)])
        }
    }

    public func dropout(_ x: Storage, into out: Storage, count: Int, p: Float, state: PhiloxState) throws {
        try state.checkAligned(op: "dropout")
        try launchRandom("dropout", count: count, state: state, [.buffer(x), .buffer(out)], [.float(p), .float(1 / (1 - p))])
    }

    /// Launches a random.cl kernel over the Philox blocks (4 values each) of `count` values, `elementsPerItem / 4`
    /// blocks per work item, with arguments (buffers, n, key and block counter halves, parameters, blocks per item).
    private func launchRandom(
        _ kernel: String, count: Int, state: PhiloxState,
        _ buffers: [KernelArgument], _ parameters: [KernelArgument]
    ) throws {
        let key = state.key, block = state.offset / 4
        let halves = [key.x, key.y, UInt32(truncatingIfNeeded: block), UInt32(truncatingIfNeeded: block >> 32)]
        let philox = halves.map { KernelArgument.int(Int(Int32(bitPattern: $0))) }
        let chunk = max(1, elementsPerItem / 4)
        try context.launch(
            kernel, program: "random", global: [items((count + 3) / 4, chunk)],
            arguments: buffers + [.int(count)] + philox + parameters + [.int(chunk)])
    }
}
