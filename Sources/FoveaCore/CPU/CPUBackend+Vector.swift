/// Short-vector helpers for the host loops: eight lanes at a time, inlined, so short rows pay no call (memmove, memset) overhead.
extension CPUBackend {
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }

    @inline(__always)
    static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }

    @inline(__always)
    static func store16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
    }

    /// dst[0..<count] = 0.
    @inline(__always)
    static func zero(_ dst: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count { store(SIMD8(repeating: 0), dst + i); i += 8 }
        while i < count { dst[i] = 0; i += 1 }
    }

    /// dst[0..<count] = src[0..<count] (the ranges do not overlap).
    @inline(__always)
    static func copy(_ src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count { store(load(src + i), dst + i); i += 8 }
        while i < count { dst[i] = src[i]; i += 1 }
    }

    /// dst[0..<count] += src[0..<count].
    @inline(__always)
    static func accumulate(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count { store(load(dst + i) + load(src + i), dst + i); i += 8 }
        while i < count { dst[i] += src[i]; i += 1 }
    }

    /// dst[0..<count] += value.
    @inline(__always)
    static func add(_ value: Float, to dst: UnsafeMutablePointer<Float>, count: Int) {
        let v = SIMD8<Float>(repeating: value)
        var i = 0
        while i + 8 <= count { store(load(dst + i) + v, dst + i); i += 8 }
        while i < count { dst[i] += value; i += 1 }
    }

    /// dst[0..<count] = src[0..<count] + value.
    @inline(__always)
    static func add(_ value: Float, _ src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count: Int) {
        let v = SIMD8<Float>(repeating: value)
        var i = 0
        while i + 8 <= count { store(load(src + i) + v, dst + i); i += 8 }
        while i < count { dst[i] = src[i] + value; i += 1 }
    }

    /// Sum of `count` floats with eight partial sums.
    @inline(__always)
    static func sum(_ values: UnsafePointer<Float>, count: Int) -> Float {
        var partial = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= count { partial += load(values + i); i += 8 }
        var total = partial.sum()
        while i < count { total += values[i]; i += 1 }
        return total
    }
}
