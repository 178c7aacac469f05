extension CPUBackend: NormalizationBackend {
    public func batchNormForward(_ x: Storage, into out: Storage, shape: BatchNormShape, weight: Storage?, bias: Storage?,
                                 runningMean: Storage?, runningVar: Storage?, useBatchStatistics: Bool,
                                 momentum: Float, eps: Float, savedMean: Storage, savedInvStd: Storage) throws {
        let src = Self.pointer(x), dst = Self.pointer(out)
        let w = weight.map(Self.pointer), b = bias.map(Self.pointer)
        let rm = runningMean.map(Self.pointer), rv = runningVar.map(Self.pointer)
        guard useBatchStatistics || (rm != nil && rv != nil) else {
            throw FoveaError.invalidArgument("batchNorm: running statistics are required when not using batch statistics")
        }
        let sm = Self.pointer(savedMean), si = Self.pointer(savedInvStd)
        let m = shape.reduced
        parallelFor(shape.channels, grain: 1) { channels in
            for c in channels {
                var mean: Float, invStd: Float
                if useBatchStatistics {
                    var sum = 0.0
                    forEachValue(of: c, in: shape) { sum += Double(src[$0]) }
                    let batchMean = sum / Double(m)
                    var squares = 0.0
                    forEachValue(of: c, in: shape) { let d = Double(src[$0]) - batchMean; squares += d * d }
                    let variance = squares / Double(m)
                    mean = Float(batchMean)
                    invStd = 1 / (Float(variance) + eps).squareRoot()
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
                forEachValue(of: c, in: shape) { dst[$0] = src[$0] * scale + shift }
            }
        }
    }

    public func batchNormBackward(_ gradOut: Storage, x: Storage, shape: BatchNormShape, weight: Storage?,
                                  savedMean: Storage, savedInvStd: Storage, batchStatistics: Bool,
                                  gradInput: Storage?, gradWeight: Storage?, gradBias: Storage?) throws {
        let dy = Self.pointer(gradOut), src = Self.pointer(x), w = weight.map(Self.pointer)
        let sm = Self.pointer(savedMean), si = Self.pointer(savedInvStd)
        let dx = gradInput.map(Self.pointer), dw = gradWeight.map(Self.pointer), db = gradBias.map(Self.pointer)
        let m = Float(shape.reduced)
        parallelFor(shape.channels, grain: 1) { channels in
            for c in channels {
                let mean = sm[c], invStd = si[c]
                var sumDy = 0.0, sumDyCentered = 0.0
                forEachValue(of: c, in: shape) { i in
                    sumDy += Double(dy[i]); sumDyCentered += Double(dy[i]) * Double(src[i] - mean)
                }
                // d weight = sum(dy * xhat), d bias = sum(dy).
                let gradGamma = Float(sumDyCentered) * invStd, gradBeta = Float(sumDy)
                dw?[c] = gradGamma
                db?[c] = gradBeta
                guard let dx else { continue }
                let k = (w?[c] ?? 1) * invStd
                if batchStatistics {
                    // dx = weight * invStd * (dy - mean(dy) - xhat * mean(dy * xhat))
                    let meanDy = gradBeta / m, meanDyXhat = gradGamma / m
                    forEachValue(of: c, in: shape) { i in
                        dx[i] = k * (dy[i] - meanDy - (src[i] - mean) * invStd * meanDyXhat)
                    }
                } else {
                    forEachValue(of: c, in: shape) { dx[$0] = k * dy[$0] }
                }
            }
        }
    }

    /// Calls `body` with the element index of every value of channel `c`.
    @inline(__always)
    private func forEachValue(of c: Int, in shape: BatchNormShape, _ body: (Int) -> Void) {
        for n in 0..<shape.batch {
            let base = shape.index(n, c, 0)
            for i in base..<(base + shape.spatial) { body(i) }
        }
    }
}
