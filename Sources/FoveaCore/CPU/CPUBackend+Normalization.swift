extension CPUBackend: NormalizationBackend {
    public func batchNormForward(
        _ x: Storage, into out: Storage, shape: BatchNormShape, weight: Storage?, bias: Storage?,
        runningMean: Storage?, runningVar: Storage?, useBatchStatistics: Bool,
        momentum: Float, eps: Float, savedMean: Storage, savedInvStd: Storage
    ) throws {
        let src = Self.pointer(x), dst = Self.pointer(out)
        let w = weight.map(Self.pointer), b = bias.map(Self.pointer)
        let rm = runningMean.map(Self.pointer), rv = runningVar.map(Self.pointer)
        guard useBatchStatistics || (rm != nil && rv != nil) else {
            throw FoveaError.invalidArgument("batchNorm: running statistics are required when not using batch statistics")
        }
        let sm = Self.pointer(savedMean), si = Self.pointer(savedInvStd)
        let m = shape.reduced, count = shape.spatial
        parallelFor(shape.channels, grain: 1) { channels in
            for c in channels {
                var mean: Float, invStd: Float
                if useBatchStatistics {
                    // Two passes (the sum, then squares about the mean), each plane in Float lanes, planes added in Double.
                    var sum = 0.0
                    forEachPlane(of: c, in: shape) { sum += Double(Self.sum(src + $0, count: count)) }
                    mean = Float(sum / Double(m))
                    var squares = 0.0
                    forEachPlane(of: c, in: shape) { squares += Double(Self.sumOfSquares(src + $0, about: mean, count: count)) }
                    let variance = squares / Double(m)
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
                forEachPlane(of: c, in: shape) { Self.combine(src + $0, scale, nil, 0, shift, into: dst + $0, count: count) }
            }
        }
    }

    public func batchNormBackward(
        _ gradOut: Storage, x: Storage, shape: BatchNormShape, weight: Storage?,
        savedMean: Storage, savedInvStd: Storage, batchStatistics: Bool,
        gradInput: Storage?, gradWeight: Storage?, gradBias: Storage?
    ) throws {
        let dy = Self.pointer(gradOut), src = Self.pointer(x), w = weight.map(Self.pointer)
        let sm = Self.pointer(savedMean), si = Self.pointer(savedInvStd)
        let dx = gradInput.map(Self.pointer), dw = gradWeight.map(Self.pointer), db = gradBias.map(Self.pointer)
        let m = Float(shape.reduced), count = shape.spatial
        parallelFor(shape.channels, grain: 1) { channels in
            for c in channels {
                let mean = sm[c], invStd = si[c]
                var sumDy = 0.0, sumDyCentered = 0.0
                forEachPlane(of: c, in: shape) { base in
                    sumDy += Double(Self.sum(dy + base, count: count))
                    sumDyCentered += Double(Self.dot(dy + base, src + base, about: mean, count: count))
                }
                // d weight = sum(dy * xhat), d bias = sum(dy).
                let gradGamma = Float(sumDyCentered) * invStd, gradBeta = Float(sumDy)
                dw?[c] = gradGamma
                db?[c] = gradBeta
                guard let dx else { continue }
                let k = (w?[c] ?? 1) * invStd
                if batchStatistics {
                    // dx = weight * invStd * (dy - mean(dy) - xhat * mean(dy * xhat)) = k dy + a x + b
                    let meanDy = gradBeta / m, meanDyXhat = gradGamma / m
                    let a = -k * invStd * meanDyXhat, b = -k * meanDy - a * mean
                    forEachPlane(of: c, in: shape) { Self.combine(dy + $0, k, src + $0, a, b, into: dx + $0, count: count) }
                } else {
                    forEachPlane(of: c, in: shape) { Self.combine(dy + $0, k, nil, 0, 0, into: dx + $0, count: count) }
                }
            }
        }
    }

    /// Calls `body` with the index of the first element of each of channel `c`'s planes.
    @inline(__always)
    private func forEachPlane(of c: Int, in shape: BatchNormShape, _ body: (Int) -> Void) {
        for n in 0..<shape.batch { body(shape.index(n, c, 0)) }
    }

    /// Sum of (x - center)^2 over `count` floats, in eight lanes.
    @inline(__always)
    private static func sumOfSquares(_ x: UnsafePointer<Float>, about center: Float, count: Int) -> Float {
        let mean = SIMD8<Float>(repeating: center)
        var partial = SIMD8<Float>(repeating: 0), i = 0
        while i + 8 <= count { let d = load(x + i) - mean; partial += d * d; i += 8 }
        var total = partial.sum()
        while i < count { let d = x[i] - center; total += d * d; i += 1 }
        return total
    }

    /// Sum of y * (x - center) over `count` floats, in eight lanes.
    @inline(__always)
    private static func dot(_ y: UnsafePointer<Float>, _ x: UnsafePointer<Float>, about center: Float, count: Int) -> Float {
        let mean = SIMD8<Float>(repeating: center)
        var partial = SIMD8<Float>(repeating: 0), i = 0
        while i + 8 <= count { partial += load(y + i) * (load(x + i) - mean); i += 8 }
        var total = partial.sum()
        while i < count { total += y[i] * (x[i] - center); i += 1 }
        return total
    }

    /// out = a * u + b * v + c over `count` floats (without the v term when `v` is nil).
    @inline(__always)
    private static func combine(
        _ u: UnsafePointer<Float>, _ a: Float, _ v: UnsafePointer<Float>?, _ b: Float, _ c: Float,
        into out: UnsafeMutablePointer<Float>, count: Int
    ) {
        let (va, vb, vc) = (SIMD8<Float>(repeating: a), SIMD8<Float>(repeating: b), SIMD8<Float>(repeating: c))
        var i = 0
        if let v {
            while i + 8 <= count { store(va * load(u + i) + vb * load(v + i) + vc, out + i); i += 8 }
            while i < count { out[i] = a * u[i] + b * v[i] + c; i += 1 }
        } else {
            while i + 8 <= count { store(va * load(u + i) + vc, out + i); i += 8 }
            while i < count { out[i] = a * u[i] + c; i += 1 }
        }
    }
}
