import CVectorKernels

/// Batch norm one channel at a time over the cores; each channel's loops run in `CVectorKernels` (at `simdLevel`),
/// with the residual added and the fused ReLU applied as the output is written, and the ReLU mask applied as the
/// gradient is read.
extension CPUBackend: NormalizationBackend {
    public func batchNormForward(
        _ x: Storage, residual: Storage?, into out: Storage, shape: BatchNormShape, weight: Storage?, bias: Storage?,
        runningMean: Storage?, runningVar: Storage?, useBatchStatistics: Bool,
        momentum: Float, eps: Float, savedMean: Storage, savedInvStd: Storage, relu: Bool
    ) throws {
        let src = Self.pointer(x), dst = Self.pointer(out), skip = residual.map(Self.pointer)
        let w = weight.map(Self.pointer), b = bias.map(Self.pointer)
        let rm = runningMean.map(Self.pointer), rv = runningVar.map(Self.pointer)
        guard useBatchStatistics || (rm != nil && rv != nil) else {
            throw FoveaError.invalidArgument("batchNorm: running statistics are required when not using batch statistics")
        }
        let sm = Self.pointer(savedMean), si = Self.pointer(savedInvStd)
        let m = shape.reduced, layout = Self.planes(shape), level = Self.simdLevel
        parallelFor(shape.channels, grain: 1) { channels in
            for c in channels {
                let first = shape.index(0, c, 0)
                var mean: Float, invStd: Float
                if useBatchStatistics {
                    var squares = 0.0
                    mean = 0
                    fovea_batch_norm_statistics(level, layout, src + first, &mean, &squares)
                    invStd = 1 / (Float(squares / Double(m)) + eps).squareRoot()
                    if let rm, let rv {
                        rm[c] = (1 - momentum) * rm[c] + momentum * mean
                        rv[c] = (1 - momentum) * rv[c] + momentum * Float(squares / Double(max(m - 1, 1)))
                    }
                } else {
                    mean = rm![c]
                    invStd = 1 / (rv![c] + eps).squareRoot()
                }
                sm[c] = mean; si[c] = invStd
                let scale = (w?[c] ?? 1) * invStd, shift = (b?[c] ?? 0) - mean * scale
                fovea_batch_norm_normalize(
                    level, layout, src + first, scale, shift, skip.map { $0 + first }, relu ? 1 : 0, dst + first)
            }
        }
    }

    /// The first pass writes g to `gradResidual` when given; the second then reads it back in place of the output
    /// gradient and the mask.
    public func batchNormBackward(
        _ gradOut: Storage, reluOutput: Storage?, gradResidual: Storage?, x: Storage, shape: BatchNormShape,
        weight: Storage?, savedMean: Storage, savedInvStd: Storage, batchStatistics: Bool,
        gradInput: Storage?, gradWeight: Storage?, gradBias: Storage?
    ) {
        let dy = Self.pointer(gradOut), mask = reluOutput.map(Self.pointer), masked = gradResidual.map(Self.pointer)
        let src = Self.pointer(x), w = weight.map(Self.pointer)
        let sm = Self.pointer(savedMean), si = Self.pointer(savedInvStd)
        let dx = gradInput.map(Self.pointer), dw = gradWeight.map(Self.pointer), db = gradBias.map(Self.pointer)
        let m = Float(shape.reduced), layout = Self.planes(shape), level = Self.simdLevel
        parallelFor(shape.channels, grain: 1) { channels in
            for c in channels {
                let first = shape.index(0, c, 0), mean = sm[c], invStd = si[c]
                var sumDy = 0.0, sumDyCentered = 0.0
                fovea_batch_norm_gradient_sums(
                    level, layout, dy + first, mask.map { $0 + first }, src + first, mean, masked.map { $0 + first },
                    &sumDy, &sumDyCentered)
                // d weight = sum(dy * xhat), d bias = sum(dy).
                let gradGamma = Float(sumDyCentered) * invStd, gradBeta = Float(sumDy)
                dw?[c] = gradGamma
                db?[c] = gradBeta
                guard let dx else { continue }
                // The masked gradient once written, else the output gradient masked again as it is read.
                let (g, gMask) = masked.map { ($0 + first, nil) } ?? (dy + first, mask.map { $0 + first })
                let k = (w?[c] ?? 1) * invStd
                if batchStatistics {
                    // dx = weight * invStd * (dy - mean(dy) - xhat * mean(dy * xhat)) = k dy + a x + b
                    let meanDy = gradBeta / m, meanDyXhat = gradGamma / m
                    let a = -k * invStd * meanDyXhat, b = -k * meanDy - a * mean
                    fovea_batch_norm_input_gradient(level, layout, g, gMask, src + first, k, a, b, dx + first)
                } else {
                    fovea_batch_norm_input_gradient(level, layout, g, gMask, nil, k, 0, 0, dx + first)
                }
            }
        }
    }

    /// Where one channel's values lie, from its first: `batch` planes of `spatial` values, `channels * spatial` apart.
    private static func planes(_ shape: BatchNormShape) -> fovea_channel_planes {
        fovea_channel_planes(planes: Int32(shape.batch), stride: shape.channels * shape.spatial, count: shape.spatial)
    }
}
