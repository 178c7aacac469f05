import Foundation

/// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3"), the counter-based generator
/// behind every random op. The OpenCL kernels in `Kernels/random.cl` compute exactly the same function,
/// so one seed gives bit-identical uniform values on every backend.
public enum Philox {
    /// One block of four 32-bit values for a 128-bit counter and a 64-bit key.
    @inline(__always)
    public static func block(counter: SIMD4<UInt32>, key: SIMD2<UInt32>) -> SIMD4<UInt32> {
        var c = counter, k = key
        for _ in 0..<10 {
            let p0 = UInt64(0xD251_1F53) &* UInt64(c.x)
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(c.z)
            c = SIMD4(
                UInt32(truncatingIfNeeded: p1 >> 32) ^ c.y ^ k.x, UInt32(truncatingIfNeeded: p1),
                UInt32(truncatingIfNeeded: p0 >> 32) ^ c.w ^ k.y, UInt32(truncatingIfNeeded: p0))
            k &+= SIMD2(0x9E37_79B9, 0xBB67_AE85)
        }
        return c
    }

    /// Eight blocks at once, lane i computing `block(counter: (low[i], high[i], 0, 0), key:)`: its four values are
    /// lane i of x, y, z and w.
    @inline(__always)
    public static func blocks(low: SIMD8<UInt32>, high: SIMD8<UInt32>, key: SIMD2<UInt32>)
        -> (x: SIMD8<UInt32>, y: SIMD8<UInt32>, z: SIMD8<UInt32>, w: SIMD8<UInt32>)
    {
        var (x, y, z, w) = (low, high, SIMD8<UInt32>(repeating: 0), SIMD8<UInt32>(repeating: 0))
        var k = key
        for _ in 0..<10 {
            let p0 = SIMD8<UInt64>(truncatingIfNeeded: x) &* 0xD251_1F53, p1 = SIMD8<UInt64>(truncatingIfNeeded: z) &* 0xCD9E_8D57
            (x, y, z, w) = (
                SIMD8<UInt32>(truncatingIfNeeded: p1 &>> 32) ^ y ^ k.x, SIMD8<UInt32>(truncatingIfNeeded: p1),
                SIMD8<UInt32>(truncatingIfNeeded: p0 &>> 32) ^ w ^ k.y, SIMD8<UInt32>(truncatingIfNeeded: p0)
            )
            k &+= SIMD2(0x9E37_79B9, 0xBB67_AE85)
        }
        return (x, y, z, w)
    }

    /// A uniform value in [0, 1) from the top 24 bits of `x` (the same conversion as the kernels).
    @inline(__always)
    public static func uniform(_ x: UInt32) -> Float { Float(x >> 8) * 0x1p-24 }

    /// Two standard normal values from two 32-bit values (Box-Muller; the first uniform is taken in (0, 1]).
    @inline(__always)
    public static func normalPair(_ x0: UInt32, _ x1: UInt32) -> (Float, Float) {
        let u1 = Float((x0 >> 8) + 1) * 0x1p-24
        let radius = (-2 * log(u1)).squareRoot()
        let angle = 2 * Float.pi * uniform(x1)
        return (radius * cos(angle), radius * sin(angle))
    }
}

/// Where a draw starts: the key (`seed`) and the position in the stream, counted in values.
///
/// Value `offset + i` is lane `(offset + i) % 4` of block `(offset + i) / 4`, the block's counter being
/// (low 32 bits, high 32 bits, 0, 0) of the block index. Draws start on block boundaries (`offset` is a multiple of 4).
public struct PhiloxState: Sendable, Equatable {
    public var seed: UInt64
    public var offset: UInt64

    public init(seed: UInt64, offset: UInt64) {
        self.seed = seed
        self.offset = offset
    }

    /// The key: the seed's low and high 32 bits.
    public var key: SIMD2<UInt32> { SIMD2(UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)) }

    /// The four values of block `index` counted from `offset / 4`.
    @inline(__always)
    public func block(_ index: Int) -> SIMD4<UInt32> {
        let position = offset / 4 &+ UInt64(index)
        return Philox.block(
            counter: SIMD4(UInt32(truncatingIfNeeded: position), UInt32(truncatingIfNeeded: position >> 32), 0, 0),
            key: key)
    }

    /// Throws unless the draw starts on a block boundary.
    func checkAligned(op: String) throws {
        guard offset % 4 == 0 else {
            throw FoveaError.invalidArgument("\(op): Philox offset \(offset) is not a multiple of 4")
        }
    }
}
