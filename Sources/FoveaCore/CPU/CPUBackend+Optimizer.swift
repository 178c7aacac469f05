import CBLAS
import CVectorKernels

extension CPUBackend: OptimizerBackend {
    public func sgdStep(
        param: Storage, grad: Storage, momentumBuffer: Storage?, count: Int, lr: Float, momentum: Float,
        dampening: Float, weightDecay: Float, nesterov: Bool, isFirstStep: Bool
    ) throws {
        let p = Self.pointer(param), g = Self.pointer(grad), buffer = momentumBuffer.map(Self.pointer)
        parallelFor(count) { range in
            for i in range {
                var d = g[i] + weightDecay * p[i]
                if let buffer {
                    buffer[i] = isFirstStep ? d : momentum * buffer[i] + (1 - dampening) * d
                    d = nesterov ? d + momentum * buffer[i] : buffer[i]
                }
                p[i] -= lr * d
            }
        }
    }

    public func adamStep(
        param: Storage, grad: Storage, m: Storage, v: Storage, count: Int, lr: Float, beta1: Float, beta2: Float,
        eps: Float, weightDecay: Float, decoupled: Bool, step: Int
    ) throws {
        let p = Self.pointer(param), g = Self.pointer(grad), m = Self.pointer(m), v = Self.pointer(v)
        let (stepSize, secondMomentRoot) = adamBiasCorrections(lr: lr, beta1: beta1, beta2: beta2, step: step)
        let decay = decoupled ? 1 - lr * weightDecay : 1, coupledDecay = decoupled ? 0 : weightDecay
        // In C at the CPU's widest SIMD level (AVX-512: sixteen lanes of square roots and divisions against SSE's four).
        parallelFor(count) { range in
            let i = range.lowerBound
            fovea_adam_step(
                Self.simdLevel, range.count, p + i, g + i, m + i, v + i, beta1, beta2, eps, stepSize, secondMomentRoot,
                decay, coupledDecay)
        }
    }

    public func rmspropStep(
        param: Storage, grad: Storage, squareAvg: Storage, gradAvg: Storage?, momentumBuffer: Storage?, count: Int,
        lr: Float, alpha: Float, eps: Float, weightDecay: Float, momentum: Float
    ) throws {
        let p = Self.pointer(param), g = Self.pointer(grad), square = Self.pointer(squareAvg)
        let average = gradAvg.map(Self.pointer), buffer = momentumBuffer.map(Self.pointer)
        parallelFor(count) { range in
            for i in range {
                let d = g[i] + weightDecay * p[i]
                square[i] = alpha * square[i] + (1 - alpha) * d * d
                var variance = square[i]
                if let average {
                    average[i] += (1 - alpha) * (d - average[i])
                    variance -= average[i] * average[i]
                }
                let denominator = variance.squareRoot() + eps
                if let buffer {
                    buffer[i] = momentum * buffer[i] + d / denominator
                    p[i] -= lr * buffer[i]
                } else {
                    p[i] -= lr * d / denominator
                }
            }
        }
    }

    public func adagradStep(param: Storage, grad: Storage, sum: Storage, count: Int, lr: Float, eps: Float, weightDecay: Float)
        throws
    {
        let p = Self.pointer(param), g = Self.pointer(grad), s = Self.pointer(sum)
        parallelFor(count) { range in
            for i in range {
                let d = g[i] + weightDecay * p[i]
                s[i] += d * d
                p[i] -= lr * d / (s[i].squareRoot() + eps)
            }
        }
    }

    public func accumulateSumOfSquares(_ x: Storage, count: Int, into accumulator: Storage) throws {
        let values = Self.pointer(x)
        Self.pointer(accumulator)[0] += OpenBLASThreads.single { cblas_sdot(Int32(count), values, 1, values, 1) }
    }

    public func clipToNorm(_ x: Storage, count: Int, sumOfSquares: Storage, maxNorm: Float) throws {
        let factor = min(1, maxNorm / (Self.pointer(sumOfSquares)[0].squareRoot() + 1e-6))
        let values = Self.pointer(x)
        parallelFor(count) { range in
            for i in range { values[i] *= factor }
        }
    }
}
