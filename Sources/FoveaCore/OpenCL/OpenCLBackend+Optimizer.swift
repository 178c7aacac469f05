extension OpenCLBackend: OptimizerBackend {
    public func sgdStep(
        param: Storage, grad: Storage, momentumBuffer: Storage?, count: Int, lr: Float, momentum: Float,
        dampening: Float, weightDecay: Float, nesterov: Bool, isFirstStep: Bool
    ) throws {
        try launchChunked(
            "sgd_step", count: count,
            [
                .buffer(param), .buffer(grad), .buffer(momentumBuffer ?? param), .int(momentumBuffer == nil ? 0 : 1), .int(count),
                .float(lr), .float(momentum), .float(dampening), .float(weightDecay), .int(nesterov ? 1 : 0),
                .int(isFirstStep ? 1 : 0),
            ])
    }

    public func adamStep(
        param: Storage, grad: Storage, m: Storage, v: Storage, count: Int, lr: Float, beta1: Float, beta2: Float,
        eps: Float, weightDecay: Float, decoupled: Bool, step: Int
    ) throws {
        let (stepSize, secondMomentRoot) = adamBiasCorrections(lr: lr, beta1: beta1, beta2: beta2, step: step)
        try launchChunked(
            "adam_step", count: count,
            [
                .buffer(param), .buffer(grad), .buffer(m), .buffer(v), .int(count),
                .float(beta1), .float(beta2), .float(eps), .float(stepSize), .float(secondMomentRoot),
                .float(decoupled ? 1 - lr * weightDecay : 1), .float(decoupled ? 0 : weightDecay),
            ])
    }

    public func rmspropStep(
        param: Storage, grad: Storage, squareAvg: Storage, gradAvg: Storage?, momentumBuffer: Storage?, count: Int,
        lr: Float, alpha: Float, eps: Float, weightDecay: Float, momentum: Float
    ) throws {
        try launchChunked(
            "rmsprop_step", count: count,
            [
                .buffer(param), .buffer(grad), .buffer(squareAvg), .buffer(gradAvg ?? squareAvg), .int(gradAvg == nil ? 0 : 1),
                .buffer(momentumBuffer ?? squareAvg), .int(momentumBuffer == nil ? 0 : 1), .int(count),
                .float(lr), .float(alpha), .float(eps), .float(weightDecay), .float(momentum),
            ])
    }

    public func adagradStep(param: Storage, grad: Storage, sum: Storage, count: Int, lr: Float, eps: Float, weightDecay: Float)
        throws
    {
        try launchChunked(
            "adagrad_step", count: count,
            [
                .buffer(param), .buffer(grad), .buffer(sum), .int(count), .float(lr), .float(eps), .float(weightDecay),
            ])
    }

    public func accumulateSumOfSquares(_ x: Storage, count: Int, into accumulator: Storage) throws {
        let local = reductionGroupSize
        try launch("accumulate_sum_of_squares", global: [local], local: [local], [.buffer(x), .int(count), .buffer(accumulator)])
    }

    public func clipToNorm(_ x: Storage, count: Int, sumOfSquares: Storage, maxNorm: Float) throws {
        try launchChunked("clip_to_norm", count: count, [.buffer(x), .int(count), .buffer(sumOfSquares), .float(maxNorm)])
    }

    /// Build options of optim.cl.
    var optimOptions: String { "-DLOCAL_SIZE=\(reductionGroupSize)" }

    /// Enqueues an optim.cl kernel; all share one build of the program.
    private func launch(_ kernel: String, global: [Int], local: [Int]? = nil, _ arguments: [KernelArgument]) throws {
        try context.launch(
            kernel, program: "optim", options: optimOptions,
            global: global, local: local, arguments: arguments)
    }

    /// Enqueues an optim.cl kernel that runs over `count` elements in chunks (`runChunked`).
    private func launchChunked(_ kernel: String, count: Int, _ arguments: [KernelArgument]) throws {
        try runChunked(kernel, in: "optim", options: optimOptions, count: count, arguments: arguments)
    }
}
