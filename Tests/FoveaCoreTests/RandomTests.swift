import FoveaCore
import FoveaTestSupport
import Testing

@Suite struct RandomTests {
    @Test func philoxMatchesKnownAnswerVectors() {
        // Random123's known-answer tests for philox4x32-10.
        #expect(Philox.block(counter: .zero, key: .zero) == SIMD4(0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8))
        #expect(
            Philox.block(counter: SIMD4(repeating: .max), key: SIMD2(repeating: .max))
                == SIMD4(0x408F_276D, 0x41C8_3B0E, 0xA20B_C7C6, 0x6D54_51FD))
        #expect(
            Philox.block(counter: SIMD4(0x243F_6A88, 0x85A3_08D3, 0x1319_8A2E, 0x0370_7344), key: SIMD2(0xA409_3822, 0x299F_31D0))
                == SIMD4(0xD16C_FE09, 0x94FD_CCEB, 0x5001_E420, 0x2412_6EA1))
    }

    /// The eight-lane generator gives each lane's block exactly, across a carry into the counter's high word.
    @Test func eightBlocksAtOnceMatchOneAtATime() {
        let key = SIMD2<UInt32>(0xA409_3822, 0x299F_31D0)
        let low = SIMD8<UInt32>(0xFFFF_FFFC, 0xFFFF_FFFD, 0xFFFF_FFFE, 0xFFFF_FFFF, 0, 1, 2, 3)
        let high = SIMD8<UInt32>(7, 7, 7, 7, 8, 8, 8, 8)
        let bits = Philox.blocks(low: low, high: high, key: key)
        for lane in 0..<8 {
            #expect(
                SIMD4(bits.x[lane], bits.y[lane], bits.z[lane], bits.w[lane])
                    == Philox.block(counter: SIMD4(low[lane], high[lane], 0, 0), key: key), "lane \(lane)")
        }
    }

    @Test func uniformTakesTheTop24Bits() throws {
        let state = PhiloxState(seed: 0, offset: 0)
        let values = try Tensor.uniform([4], generator: Generator(seed: 0)).toArray()
        let bits = state.block(0)
        #expect(values == [Philox.uniform(bits.x), Philox.uniform(bits.y), Philox.uniform(bits.z), Philox.uniform(bits.w)])
        #expect(values[0] == Float(0x6627_E8D5 >> 8) / Float(1 << 24))
    }

    @Test func generatorAdvancesByWholeBlocksAndReseeds() throws {
        let generator = Generator(seed: 5)
        let first = try Tensor.uniform([6], generator: generator).toArray()
        #expect(generator.offset == 8)
        let second = try Tensor.uniform([3], generator: generator).toArray()
        #expect(generator.offset == 12)
        #expect(first != Array(second.prefix(6)))
        generator.manualSeed(5)
        #expect(try Tensor.uniform([6], generator: generator).toArray() == first)
        generator.state = PhiloxState(seed: 5, offset: 8)
        #expect(try Tensor.uniform([3], generator: generator).toArray() == second)
        manualSeed(5)
        #expect(Generator.default.seed == 5)
    }

    @Test func uniformIsBitIdenticalAcrossBackends() throws {
        guard testDevices.count > 1 else { return }
        // A 64-bit seed and a block counter that carries past 2^32 within the draw.
        for state in [PhiloxState(seed: 1234, offset: 40), PhiloxState(seed: 0xDEAD_BEEF_1234_5678, offset: (1 << 34) - 8)] {
            var draws: [[Float]] = []
            for device in testDevices {
                let generator = Generator()
                generator.state = state
                draws.append(try Tensor.uniform([7, 143], low: -2, high: 3, generator: generator, device: device).toArray())
            }
            #expect(draws[0] == draws[1])
        }
    }

    @Test func normalAgreesAcrossBackends() throws {
        guard testDevices.count > 1 else { return }
        let draws = try testDevices.map {
            try Tensor.normal([1001], mean: 1, std: 2, generator: Generator(seed: 9), device: $0).toArray()
        }
        #expect(maxAbsDifference(draws[0], draws[1]) < 1e-4)
    }

    @Test(arguments: testDevices)
    func distributionsHavePlausibleMoments(device: Device) throws {
        let generator = Generator(seed: 42)
        let n = 20_000
        let u = try Tensor.uniform([n], low: -1, high: 3, generator: generator, device: device).toArray()
        #expect(u.allSatisfy { $0 >= -1 && $0 < 3 })
        #expect(abs(sampleMean(u) - 1) < 0.03)
        #expect(abs(sampleStandardDeviation(u) - 4 / Float(12).squareRoot()) < 0.03)
        let z = try Tensor.normal([n], mean: 2, std: 0.5, generator: generator, device: device).toArray()
        #expect(z.allSatisfy { $0.isFinite })
        #expect(abs(sampleMean(z) - 2) < 0.02)
        #expect(abs(sampleStandardDeviation(z) - 0.5) < 0.02)
        let b = try Tensor.bernoulli([n], p: 0.3, generator: generator, device: device).toArray()
        #expect(b.allSatisfy { $0 == 0 || $0 == 1 })
        #expect(abs(sampleMean(b) - 0.3) < 0.02)
    }

    @Test(arguments: testDevices)
    func rejectsBadParameters(device: Device) throws {
        #expect(throws: FoveaError.self) { try Tensor.uniform([2], low: 1, high: 0, device: device) }
        #expect(throws: FoveaError.self) { try Tensor.normal([2], std: -1, device: device) }
        #expect(throws: FoveaError.self) { try Tensor.bernoulli([2], p: 1.5, device: device) }
    }
}

/// The mean of `values`, accumulated in Double.
func sampleMean(_ values: [Float]) -> Float {
    Float(values.reduce(0.0) { $0 + Double($1) } / Double(values.count))
}

/// The population standard deviation of `values`.
func sampleStandardDeviation(_ values: [Float]) -> Float {
    let m = Double(sampleMean(values))
    return Float((values.reduce(0.0) { $0 + (Double($1) - m) * (Double($1) - m) } / Double(values.count)).squareRoot())
}
