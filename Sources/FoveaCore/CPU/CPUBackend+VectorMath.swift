import CVectorKernels

/// exp, sigmoid and tanh on eight lanes at a time, for the fused loops (the recurrent cells): a few ulp from libm's,
/// many times faster than calling it per element.
extension CPUBackend {
    /// The widest SIMD level of `CVectorKernels` this CPU runs (`fovea_simd_level()`, read once): the level the C
    /// kernels (LSTM cells, Adam) are called with.
    static let simdLevel = fovea_simd_level()

    /// e^x with Cephes' polynomial after reducing x by multiples of ln 2 (inputs clamped to [-87.3, 88.3]).
    @inline(__always)
    static func vectorExp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        // `replacing` inlines to vector selects; `clamped` calls pointwiseMin and pointwiseMax out of line.
        let x = x.replacing(with: -87.3, where: x .< -87.3).replacing(with: 88.3, where: x .> 88.3)
        // Adding 1.5 * 2^23 rounds x / ln 2 to the nearest integer n and leaves n in the low mantissa bits.
        let magic = SIMD8<Float>(repeating: 0x1.8p23)
        let shifted = x * 1.44269504088896341 + magic
        let n = shifted - magic
        let r = x - n * 0.693359375 + n * 2.12194440e-4
        var p = SIMD8<Float>(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let y = p * (r * r) + r + 1
        let exponent =
            (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self) &+ 127) &<< 23
        return y * unsafeBitCast(exponent, to: SIMD8<Float>.self)
    }

    /// 1 / (1 + e^-x).
    @inline(__always)
    static func vectorSigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> { 1 / (1 + vectorExp(-x)) }

    /// tanh x = 2 sigmoid(2x) - 1 (within about 1e-7 of libm's near 0, where its relative error is largest).
    @inline(__always)
    static func vectorTanh(_ x: SIMD8<Float>) -> SIMD8<Float> { 2 / (1 + vectorExp(-2 * x)) - 1 }

    /// Calls `body(j, width)` over 0 ..< count: eight lanes at a time (width 8), then one at a time (width 1) for the
    /// rest; `load(_:width:)` and `store(_:_:width:)` read and write that many values.
    @inline(__always)
    static func lanes(_ count: Int, _ body: (Int, Int) -> Void) {
        var j = 0
        while j + 8 <= count { body(j, 8); j += 8 }
        while j < count { body(j, 1); j += 1 }
    }

    /// Eight values, or one broadcast to every lane when `width` is 1.
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, width: Int) -> SIMD8<Float> { width == 8 ? load(p) : SIMD8(repeating: p[0]) }

    /// Writes eight lanes, or the first when `width` is 1.
    @inline(__always)
    static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, width: Int) {
        if width == 8 { store(v, p) } else { p[0] = v[0] }
    }
}
