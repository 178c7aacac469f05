import CVectorKernels
import Foundation
import FoveaTestSupport
import Testing

@testable import FoveaCore

/// `CVectorKernels` at every SIMD level this CPU runs (portable, AVX2, AVX-512), against products (packed and dot),
/// LSTM steps and Adam updates computed in Double here: whole and partial panels, tiles and vectors, several chunks of
/// k, transposes, beta.
@Suite struct VectorKernelTests {
    static let levels = Array(0...fovea_simd_level())

    /// (m, n, k): one element; partial panels and tiles; several chunks of k (256 each) with whole 32-column panels.
    static let products = [(1, 1, 1), (7, 33, 5), (19, 70, 300), (17, 64, 600), (40, 9, 513)]

    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24) - 0.5
        }
    }

    @Test(arguments: levels)
    func packedProductsMatchDirectSums(level: Int32) {
        for (m, n, k) in Self.products {
            for transposedA in [false, true] {
                for transposedB in [false, true] {
                    for beta: Float in [0, 1] {
                        let a = Self.values(m * k, seed: 1), b = Self.values(k * n, seed: 2)
                        var c = Self.values(m * n, seed: 3)
                        let expected = (0..<m * n).map { index -> Float in
                            let (i, j) = (index / n, index % n)
                            let sum = (0..<k).reduce(0.0) { total, p in
                                let x = transposedA ? a[p * m + i] : a[i * k + p]
                                return total + Double(x) * Double(transposedB ? b[j * k + p] : b[p * n + j])
                            }
                            return Float(sum) + beta * c[index]
                        }
                        let packed = PackedMatrix(
                            k: k, n: n, b, ldb: transposedB ? k : n, transposed: transposedB, parallel: true, level: level)
                        packed.multiply(m: m, a, lda: transposedA ? m : k, transposedA: transposedA, beta: beta, &c, ldc: n)
                        #expect(
                            allClose(c, expected, atol: 1e-4),
                            "level \(level) \(m)x\(n)x\(k) tA \(transposedA) tB \(transposedB) beta \(beta): \(maxAbsDifference(c, expected))"
                        )
                    }
                }
            }
        }
    }

    /// Both forms: A's rows lda apart, and given by pointers (in reverse order, as a convolution's column rows need not
    /// be evenly spaced).
    @Test(arguments: levels)
    func dotProductsMatchDirectSums(level: Int32) {
        // (m, n, k): one element; whole 4 x 4 tiles with k a multiple of 16; partial tiles both ways, k short of a vector.
        for (m, n, k) in [(1, 1, 1), (8, 16, 512), (7, 6, 37), (5, 9, 3), (16, 32, 100)] {
            for (beta, byRows) in [(Float(0), false), (1, false), (0, true), (1, true)] {
                let (lda, ldb, ldc) = (k + 3, k + 5, n + 2)
                let a = Self.values(m * lda, seed: 7), b = Self.values(n * ldb, seed: 8)
                var c = Self.values(m * ldc, seed: 9)
                let row = { i in byRows ? m - 1 - i : i }
                var expected = c
                for i in 0..<m {
                    for j in 0..<n {
                        let sum = (0..<k).reduce(0.0) { $0 + Double(a[row(i) * lda + $1]) * Double(b[j * ldb + $1]) }
                        expected[i * ldc + j] = Float(sum) + beta * c[i * ldc + j]
                    }
                }
                a.withUnsafeBufferPointer { values in
                    if byRows {
                        let rows = (0..<m).map { Optional(values.baseAddress! + row($0) * lda) }
                        fovea_dot_gemm_rows(level, Int32(m), Int32(n), Int32(k), rows, b, ldb, beta, &c, ldc)
                    } else {
                        fovea_dot_gemm(level, Int32(m), Int32(n), Int32(k), values.baseAddress!, lda, b, ldb, beta, &c, ldc)
                    }
                }
                #expect(
                    allClose(c, expected, atol: 1e-4),
                    "level \(level) \(m)x\(n)x\(k) beta \(beta) rows \(byRows): \(maxAbsDifference(c, expected))")
            }
        }
    }

    /// A given by row pointers: rows out of order and overlapping (as a convolution's column rows in a padded image).
    @Test(arguments: levels)
    func packedProductsByRowsMatchDirectSums(level: Int32) {
        for (m, n, k) in Self.products {
            for beta: Float in [0, 1] {
                let source = Self.values(m * 3 + k, seed: 4), b = Self.values(k * n, seed: 5)
                let offsets = (0..<m).map { ($0 * 7) % (m * 3) }
                var c = Self.values(m * n, seed: 6)
                let expected = (0..<m * n).map { index -> Float in
                    let (i, j) = (index / n, index % n)
                    let sum = (0..<k).reduce(0.0) { $0 + Double(source[offsets[i] + $1]) * Double(b[$1 * n + j]) }
                    return Float(sum) + beta * c[index]
                }
                var packed = [Float](repeating: 0, count: fovea_packed_floats(level, Int32(k), Int32(n)))
                fovea_pack(level, Int32(k), Int32(n), b, Int32(n), 0, &packed)
                source.withUnsafeBufferPointer { values in
                    let rows: [UnsafePointer<Float>?] = offsets.map { values.baseAddress! + $0 }
                    fovea_packed_gemm_rows(level, Int32(m), Int32(n), Int32(k), rows, packed, beta, &c, Int32(n))
                }
                #expect(
                    allClose(c, expected, atol: 1e-4),
                    "level \(level) \(m)x\(n)x\(k) beta \(beta): \(maxAbsDifference(c, expected))")
            }
        }
    }

    @Test func ownThreadsGemmsMatchOpenBLAS() throws {
        // Offsets, leading dimensions wider than the matrices, both transposes and beta 1, as GemmDescriptor allows.
        let backend = CPUBackend.shared
        for (transposeA, transposeB) in [(false, false), (true, false), (false, true), (true, true)] {
            var d = GemmDescriptor(m: 150, n: 70, k: 90, transposeA: transposeA, transposeB: transposeB, beta: 1)
            d.lda += 3; d.ldb += 2; d.ldc += 5
            d.offsetA = 4; d.offsetB = 1; d.offsetC = 2
            let a = try Tensor(Self.values(4 + (transposeA ? 90 : 150) * d.lda, seed: 4))
            let b = try Tensor(Self.values(1 + (transposeB ? 70 : 90) * d.ldb, seed: 5))
            let start = Self.values(2 + 150 * d.ldc, seed: 6)
            let packed = try Tensor(start), plain = try Tensor(start)
            try CPUBackend.withOwnThreads { try backend.gemm(d, a: a.storage, b: b.storage, c: packed.storage) }
            try backend.gemm(d, a: a.storage, b: b.storage, c: plain.storage)
            let (got, want) = (try packed.toArray(), try plain.toArray())
            #expect(allClose(got, want, atol: 1e-4), "tA \(transposeA) tB \(transposeB): \(maxAbsDifference(got, want))")
        }
    }

    /// An LSTM step in Double: gate values, c_t, h_t; then the projections' gradients, dc_{t-1}.
    static func referenceStep(
        hidden: Int, x: [Float], hw: [Float], bias: [Float]?, c: [Float], dh: [Float], dc: [Float]
    ) -> (gates: [Float], c: [Float], h: [Float], dProjected: [Float], dc: [Float]) {
        func sigmoid(_ v: Double) -> Double { 1 / (1 + Foundation.exp(-v)) }
        var gates = [Float](repeating: 0, count: 4 * hidden), dProjected = gates
        var cNew = [Float](repeating: 0, count: hidden), h = cNew, dcOld = cNew
        for j in 0..<hidden {
            let pre = (0..<4).map { Double(x[$0 * hidden + j] + hw[$0 * hidden + j] + (bias?[$0 * hidden + j] ?? 0)) }
            let (i, f, g, o) = (sigmoid(pre[0]), sigmoid(pre[1]), Foundation.tanh(pre[2]), sigmoid(pre[3]))
            let cell = f * Double(c[j]) + i * g, tanhC = Foundation.tanh(cell)
            let d = Double(dh[j]), dC = Double(dc[j]) + d * o * (1 - tanhC * tanhC)
            for (gate, value) in [i, f, g, o].enumerated() { gates[gate * hidden + j] = Float(value) }
            let grads = [dC * g * i * (1 - i), dC * Double(c[j]) * f * (1 - f), dC * i * (1 - g * g), d * tanhC * o * (1 - o)]
            for (gate, value) in grads.enumerated() { dProjected[gate * hidden + j] = Float(value) }
            cNew[j] = Float(cell); h[j] = Float(o * tanhC); dcOld[j] = Float(dC * f)
        }
        return (gates, cNew, h, dProjected, dcOld)
    }

    @Test(arguments: levels)
    func lstmCellsMatchTheFormulas(level: Int32) {
        // One unit; a part of a vector; whole vectors of every level and a part.
        for hidden in [1, 5, 37] {
            for withBias in [false, true] {
                let x = Self.values(4 * hidden, seed: 7).map { $0 * 6 }, hw = Self.values(4 * hidden, seed: 8)
                let bias = withBias ? Self.values(4 * hidden, seed: 9) : nil
                let c = Self.values(hidden, seed: 10), hPrevious = Self.values(hidden, seed: 11)
                let dy = Self.values(hidden, seed: 12), dhCarried = Self.values(hidden, seed: 13)
                let dc = Self.values(hidden, seed: 14)
                let dh = zip(dy, dhCarried).map { $0 + $1 }
                let want = Self.referenceStep(hidden: hidden, x: x, hw: hw, bias: bias, c: c, dh: dh, dc: dc)
                let label = "level \(level) hidden \(hidden) bias \(withBias)"
                for valid in [true, false] {
                    var gates = hw, out = [Float](repeating: 9, count: hidden), nextH = out, nextC = out
                    fovea_lstm_cell_forward(
                        level, Int32(hidden), x, &gates, bias, c, hPrevious, valid ? 1 : 0, &out, &nextH, &nextC)
                    #expect(allClose(gates, want.gates), "\(label) gates")
                    #expect(allClose(nextC, valid ? want.c : c), "\(label) valid \(valid) c_t")
                    #expect(allClose(nextH, valid ? want.h : hPrevious), "\(label) valid \(valid) h_t")
                    #expect(allClose(out, valid ? want.h : Array(repeating: 0, count: hidden)), "\(label) valid \(valid) output")
                }
                var carried = dhCarried, dcCarried = dc, dProjected = [Float](repeating: 9, count: 4 * hidden)
                fovea_lstm_cell_backward(level, Int32(hidden), want.gates, c, dy, &carried, &dcCarried, &dProjected)
                #expect(allClose(dProjected, want.dProjected), "\(label) projections' gradients")
                #expect(allClose(dcCarried, want.dc), "\(label) dc_{t-1}")
                #expect(carried == Array(repeating: 0, count: hidden), "\(label) dh is left to the GEMM")
            }
        }
    }

    @Test(arguments: levels)
    func adamStepsMatchTheFormula(level: Int32) {
        // One value, a part of a vector, whole vectors of every level and a part; Adam (coupled decay) and AdamW.
        for count in [1, 3, 53] {
            for (decay, coupledDecay): (Float, Float) in [(1, 0.01), (0.999, 0)] {
                let g = Self.values(count, seed: 15), start = Self.values(count, seed: 16)
                let mStart = Self.values(count, seed: 17).map { $0 * 0.1 }, vStart = Self.values(count, seed: 18).map { $0 * $0 }
                var p = start, m = mStart, v = vStart
                let (beta1, beta2, eps, stepSize, root): (Float, Float, Float, Float, Float) = (0.9, 0.999, 1e-8, 1e-3, 0.05)
                fovea_adam_step(
                    level, count, &p, g, &m, &v, beta1, beta2, eps, stepSize, root, decay, coupledDecay)
                var wantP = [Float](), wantM = [Float](), wantV = [Float]()
                for i in 0..<count {
                    let d = Double(g[i]) + Double(coupledDecay) * Double(start[i])
                    let mi = Double(mStart[i]) + (1 - Double(beta1)) * (d - Double(mStart[i]))
                    let vi = Double(beta2) * Double(vStart[i]) + (1 - Double(beta2)) * d * d
                    let step = Double(stepSize) * mi / (vi.squareRoot() / Double(root) + Double(eps))
                    wantP.append(Float(Double(start[i]) * Double(decay) - step)); wantM.append(Float(mi)); wantV.append(Float(vi))
                }
                let label = "level \(level) count \(count) decay \(decay)"
                #expect(allClose(p, wantP, atol: 1e-6), "\(label) p: \(maxAbsDifference(p, wantP))")
                #expect(allClose(m, wantM, atol: 1e-7) && allClose(v, wantV, atol: 1e-7), "\(label) m, v")
            }
        }
    }

    @Test(arguments: levels)
    func philoxDropoutMatchesTheScalarGenerator(level: Int32) {
        // Partial vectors of every level; a block index whose low word wraps (the counter's high word then counts).
        for (count, firstBlock) in [(1, UInt64(0)), (3, 7), (63, 1), (64, 0), (200, 0xFFFF_FFF0), (1001, 12_345)] {
            for p: Float in [0, 0.3, 0.999] {
                let x = Self.values(count, seed: 21), state = PhiloxState(seed: 0xDEAD_BEEF_1234, offset: firstBlock * 4)
                let threshold = UInt32((p * 0x1p24).rounded(.up)), scale = 1 / (1 - p)
                var out = [Float](repeating: .nan, count: count)
                fovea_philox_dropout(level, count, firstBlock, state.key.x, state.key.y, threshold, scale, x, &out)
                let want = (0..<count).map { e in Philox.uniform(state.block(e / 4)[e % 4]) >= p ? x[e] * scale : 0 }
                #expect(out == want, "level \(level) count \(count) first block \(firstBlock) p \(p)")
            }
        }
    }
}
