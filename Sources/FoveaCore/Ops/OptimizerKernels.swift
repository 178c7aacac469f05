/// Fused, in-place optimizer updates for the optimizer classes: one kernel per parameter and step, no host sync.
/// State tensors (momentum buffers, moments, sums) are created by the caller (zeros) and must match the parameter's
/// shape and device. The update rules are PyTorch's; see `OptimizerBackend` for the formulas.
public enum OptimizerKernels {
    /// One SGD step. `momentumBuffer` is required when `momentum` != 0 (and ignored otherwise); on `isFirstStep` it
    /// takes the gradient as it is.
    public static func sgd(
        param: Tensor, grad: Tensor, momentumBuffer: Tensor?, lr: Float, momentum: Float = 0,
        dampening: Float = 0, weightDecay: Float = 0, nesterov: Bool = false, isFirstStep: Bool
    ) throws {
        try check("sgd", param, [grad, momentumBuffer], hyperparameters: [lr, momentum, dampening, weightDecay])
        if momentum != 0 && momentumBuffer == nil {
            throw FoveaError.invalidArgument("sgd: momentum \(momentum) needs a momentum buffer")
        }
        if nesterov && (momentum <= 0 || dampening != 0) {
            throw FoveaError.invalidArgument("sgd: Nesterov momentum requires momentum > 0 and zero dampening")
        }
        try param.backend.sgdStep(
            param: param.writableStorage(op: "sgd"), grad: grad.storage,
            momentumBuffer: momentum == 0 ? nil : momentumBuffer?.writableStorage(op: "sgd"),
            count: param.count, lr: lr, momentum: momentum, dampening: dampening, weightDecay: weightDecay,
            nesterov: nesterov, isFirstStep: isFirstStep)
    }

    /// One Adam step (AdamW when `decoupled`); `step` counts from 1 and sets the bias corrections.
    public static func adam(
        param: Tensor, grad: Tensor, m: Tensor, v: Tensor, lr: Float, beta1: Float = 0.9, beta2: Float = 0.999,
        eps: Float = 1e-8, weightDecay: Float = 0, decoupled: Bool = false, step: Int
    ) throws {
        try check("adam", param, [grad, m, v], hyperparameters: [lr, beta1, beta2, eps, weightDecay])
        guard step >= 1, beta1 >= 0, beta1 < 1, beta2 >= 0, beta2 < 1 else {
            throw FoveaError.invalidArgument(
                "adam: need step >= 1 and betas in [0, 1), got step \(step), betas (\(beta1), \(beta2))")
        }
        try param.backend.adamStep(
            param: param.writableStorage(op: "adam"), grad: grad.storage, m: m.writableStorage(op: "adam"),
            v: v.writableStorage(op: "adam"), count: param.count,
            lr: lr, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay,
            decoupled: decoupled, step: step)
    }

    /// One RMSProp step; centered when `gradAvg` is given, with momentum when `momentum` > 0 (then `momentumBuffer` is required).
    public static func rmsprop(
        param: Tensor, grad: Tensor, squareAvg: Tensor, gradAvg: Tensor? = nil, momentumBuffer: Tensor? = nil,
        lr: Float, alpha: Float = 0.99, eps: Float = 1e-8, weightDecay: Float = 0, momentum: Float = 0
    ) throws {
        try check(
            "rmsprop", param, [grad, squareAvg, gradAvg, momentumBuffer],
            hyperparameters: [lr, alpha, eps, weightDecay, momentum])
        if momentum > 0 && momentumBuffer == nil {
            throw FoveaError.invalidArgument("rmsprop: momentum \(momentum) needs a momentum buffer")
        }
        try param.backend.rmspropStep(
            param: param.writableStorage(op: "rmsprop"), grad: grad.storage,
            squareAvg: squareAvg.writableStorage(op: "rmsprop"), gradAvg: gradAvg?.writableStorage(op: "rmsprop"),
            momentumBuffer: momentum > 0 ? momentumBuffer?.writableStorage(op: "rmsprop") : nil, count: param.count,
            lr: lr, alpha: alpha, eps: eps, weightDecay: weightDecay, momentum: momentum)
    }

    /// One Adagrad step; the learning rate decays as lr / (1 + (step - 1) * lrDecay).
    public static func adagrad(
        param: Tensor, grad: Tensor, sum: Tensor, lr: Float, eps: Float = 1e-10, weightDecay: Float = 0,
        lrDecay: Float = 0, step: Int = 1
    ) throws {
        try check("adagrad", param, [grad, sum], hyperparameters: [lr, eps, weightDecay, lrDecay])
        guard step >= 1 else { throw FoveaError.invalidArgument("adagrad: step \(step) must be >= 1") }
        let decayedLR = lr / (1 + Float(step - 1) * lrDecay)
        try param.backend.adagradStep(
            param: param.writableStorage(op: "adagrad"), grad: grad.storage, sum: sum.writableStorage(op: "adagrad"),
            count: param.count,
            lr: decayedLR, eps: eps, weightDecay: weightDecay)
    }

    /// accumulator[0] += sum of x^2, on the device. Start from a zero 1-element tensor and add every gradient,
    /// then `clipToNorm` each one: PyTorch's `clip_grad_norm_` without a host read.
    public static func addSumOfSquares(_ x: Tensor, into accumulator: Tensor) throws {
        try x.checkSameDevice(accumulator, op: "addSumOfSquares")
        guard accumulator.count == 1 else {
            throw FoveaError.invalidArgument("addSumOfSquares: the accumulator must hold one element, not \(accumulator.count)")
        }
        try x.backend.accumulateSumOfSquares(x.storage, count: x.count, into: accumulator.writableStorage(op: "addSumOfSquares"))
    }

    /// x *= min(1, maxNorm / (sqrt(sumOfSquares) + 1e-6)) in place, the total read on the device.
    public static func clipToNorm(_ x: Tensor, sumOfSquares: Tensor, maxNorm: Float) throws {
        try x.checkSameDevice(sumOfSquares, op: "clipToNorm")
        guard sumOfSquares.count == 1, maxNorm > 0, maxNorm.isFinite else {
            throw FoveaError.invalidArgument(
                "clipToNorm: need a 1-element sum of squares and a finite maxNorm > 0, got \(maxNorm)")
        }
        try x.backend.clipToNorm(
            x.writableStorage(op: "clipToNorm"), count: x.count, sumOfSquares: sumOfSquares.storage, maxNorm: maxNorm)
    }

    /// Throws unless every state tensor matches the parameter's shape and device and the hyperparameters are finite and >= 0.
    private static func check(_ op: String, _ param: Tensor, _ state: [Tensor?], hyperparameters: [Float]) throws {
        for case let tensor? in state {
            guard tensor.shape == param.shape else { throw FoveaError.shapeMismatch(op: op, param.shape, tensor.shape) }
            try param.checkSameDevice(tensor, op: op)
        }
        guard hyperparameters.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw FoveaError.invalidArgument("\(op): hyperparameters must be finite and >= 0, got \(hyperparameters)")
        }
    }
}
