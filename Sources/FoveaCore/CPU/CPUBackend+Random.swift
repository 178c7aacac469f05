extension CPUBackend: RandomBackend {
    public func fillRandom(_ storage: Storage, count: Int, distribution: RandomDistribution, state: PhiloxState) throws {
        try state.checkAligned(op: "fillRandom")
        let out = Self.pointer(storage)
        forEachBlock(count, state: state) { base, lanes, bits in
            switch distribution {
            case let .uniform(low, high):
                for k in 0..<lanes { out[base + k] = low + (high - low) * Philox.uniform(bits[k]) }
            case let .normal(mean, std):
                let (z0, z1) = Philox.normalPair(bits.x, bits.y), (z2, z3) = Philox.normalPair(bits.z, bits.w)
                let z = SIMD4(z0, z1, z2, z3)
                for k in 0..<lanes { out[base + k] = mean + std * z[k] }
            case let .bernoulli(p):
                for k in 0..<lanes { out[base + k] = Philox.uniform(bits[k]) < p ? 1 : 0 }
            }
        }
    }

    public func dropout(_ x: Storage, into out: Storage, count: Int, p: Float, state: PhiloxState) throws {
        try state.checkAligned(op: "dropout")
        let src = Self.pointer(x), dst = Self.pointer(out)
        let scale = 1 / (1 - p)
        forEachBlock(count, state: state) { base, lanes, bits in
            for k in 0..<lanes { dst[base + k] = Philox.uniform(bits[k]) >= p ? src[base + k] * scale : 0 }
        }
    }

    /// Calls `body(firstElement, lanes, block)` for every Philox block covering `count` values, in parallel; the blocks
    /// are generated eight at a time (`Philox.blocks`).
    private func forEachBlock(_ count: Int, state: PhiloxState, _ body: (Int, Int, SIMD4<UInt32>) -> Void) {
        let blocks = (count + 3) / 4, key = state.key, first = state.offset / 4
        parallelFor(blocks, grain: 4096) { range in
            var block = range.lowerBound
            while block < range.upperBound {
                let positions = SIMD8<UInt64>(repeating: first &+ UInt64(block)) &+ SIMD8(0, 1, 2, 3, 4, 5, 6, 7)
                let bits = Philox.blocks(
                    low: SIMD8(truncatingIfNeeded: positions), high: SIMD8(truncatingIfNeeded: positions &>> 32),
                    key: key)
                for lane in 0..<min(8, range.upperBound - block) {
                    let base = (block + lane) * 4
                    body(base, min(4, count - base), SIMD4(bits.x[lane], bits.y[lane], bits.z[lane], bits.w[lane]))
                }
                block += 8
            }
        }
    }
}
