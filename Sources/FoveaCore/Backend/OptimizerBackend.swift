import Foundation

/// Fused optimizer updates: one pass per parameter, in place on the device, following PyTorch's update rules.
/// Hyperparameters that depend on the step count (bias corrections, learning-rate decay) are folded in on the host.
public protocol OptimizerBackend: AnyObject {
    /// SGD: g = grad + weightDecay * param; with a momentum buffer, buf = g on the first step, else
    /// momentum * buf + (1 - dampening) * g, and g = nesterov ? g + momentum * buf : buf; then param -= lr * g.
    func sgdStep(
        param: Storage, grad: Storage, momentumBuffer: Storage?, count: Int, lr: Float, momentum: Float,
        dampening: Float, weightDecay: Float, nesterov: Bool, isFirstStep: Bool) throws

    /// Adam (or AdamW when `decoupled`): m = lerp(m, g, 1 - beta1), v = beta2 * v + (1 - beta2) * g^2,
    /// param -= lr / (1 - beta1^step) * m / (sqrt(v) / sqrt(1 - beta2^step) + eps). Weight decay adds to the gradient
    /// (Adam) or scales the parameter by 1 - lr * weightDecay first (AdamW).
    func adamStep(
        param: Storage, grad: Storage, m: Storage, v: Storage, count: Int, lr: Float, beta1: Float, beta2: Float,
        eps: Float, weightDecay: Float, decoupled: Bool, step: Int) throws

    /// RMSProp: squareAvg = alpha * squareAvg + (1 - alpha) * g^2; centered (with `gradAvg`) subtracts lerp(gradAvg, g, 1 - alpha)^2
    /// before the square root; avg = sqrt(...) + eps; with a momentum buffer buf = momentum * buf + g / avg and param -= lr * buf,
    /// else param -= lr * g / avg.
    func rmspropStep(
        param: Storage, grad: Storage, squareAvg: Storage, gradAvg: Storage?, momentumBuffer: Storage?, count: Int,
        lr: Float, alpha: Float, eps: Float, weightDecay: Float, momentum: Float) throws

    /// Adagrad: sum += g^2, param -= lr * g / (sqrt(sum) + eps) (lr already decayed for the step).
    func adagradStep(param: Storage, grad: Storage, sum: Storage, count: Int, lr: Float, eps: Float, weightDecay: Float) throws

    /// accumulator[0] += sum of x^2 over `count` elements (for gradient clipping, without a host read).
    func accumulateSumOfSquares(_ x: Storage, count: Int, into accumulator: Storage) throws

    /// x *= min(1, maxNorm / (sqrt(sumOfSquares[0]) + 1e-6)), the factor read on the device.
    func clipToNorm(_ x: Storage, count: Int, sumOfSquares: Storage, maxNorm: Float) throws
}

/// Adam's bias corrections for `step` (1-based): the step size lr / (1 - beta1^step) and sqrt(1 - beta2^step).
func adamBiasCorrections(lr: Float, beta1: Float, beta2: Float, step: Int) -> (stepSize: Float, secondMomentRoot: Float) {
    let first = 1 - pow(Double(beta1), Double(step)), second = 1 - pow(Double(beta2), Double(step))
    return (Float(Double(lr) / first), Float(second.squareRoot()))
}
