import CVectorKernels

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
        // uniform(v) = (v >> 8) * 2^-24 >= p exactly when (v >> 8) >= ceil(p * 2^24) (both sides are exact).
        let threshold = UInt32((p * 0x1p24).rounded(.up)), scale = 1 / (1 - p), key = state.key
        // In C at the CPU's widest SIMD level: the mask's Philox rounds on sixteen counters at once with AVX-512.
        parallelFor((count + 3) / 4, grain: 4096) { blocks in
            let start = blocks.lowerBound * 4, values = Swift.min(count, blocks.upperBound * 4) - start
            fovea_philox_dropout(
                Self.simdLevel, values, state.offset / 4 + UInt64(blocks.lowerBound), key.x, key.y, threshold, scale,
                src + start, dst + start)
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
