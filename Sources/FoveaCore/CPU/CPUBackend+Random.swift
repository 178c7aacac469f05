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

    /// Calls `body(firstElement, lanes, block)` for every Philox block covering `count` values, in parallel.
    private func forEachBlock(_ count: Int, state: PhiloxState, _ body: (Int, Int, SIMD4<UInt32>) -> Void) {
        let blocks = (count + 3) / 4
        parallelFor(blocks, grain: 4096) { range in
            for block in range {
                let base = block * 4
                body(base, min(4, count - base), state.block(block))
            }
        }
    }
}
