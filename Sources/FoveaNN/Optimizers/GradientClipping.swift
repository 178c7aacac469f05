import FoveaCore

/// Scales all gradients so their global L2 norm is at most `maxNorm` (PyTorch's clip_grad_norm_),
/// computed and applied on the device with no host read. Returns the norm before clipping as a 0-d tensor.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) throws -> Tensor? {
    let grads = parameters.compactMap { $0.isFrozen ? nil : $0.grad }
    guard let first = grads.first else { return nil }
    let backend = try first.backend
    let sumOfSquares = try Tensor.zeros([], device: first.device)
    for grad in grads { try backend.accumulateSumOfSquares(grad.storage, count: grad.count, into: sumOfSquares.storage) }
    for grad in grads {
        try backend.clipToNorm(
            grad.writableStorage(op: "clipGradNorm"), count: grad.count, sumOfSquares: sumOfSquares.storage, maxNorm: maxNorm)
    }
    return try withNoGrad { try sumOfSquares.sqrt() }
}
