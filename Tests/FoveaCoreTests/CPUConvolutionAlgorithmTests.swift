import CVectorKernels
import Foundation
import FoveaTestSupport
import Testing

@testable import FoveaCore

/// Every CPU convolution algorithm against the columns algorithm (itself checked against a direct reference and
/// OpenCL in `ConvolutionTests`), and its backward passes against finite differences.
@Suite struct CPUConvolutionAlgorithmTests {
    /// 3x3 stride-1 geometries at awkward sizes: one pixel, odd sizes, padding 0, 1 and 2, padding only above and to the
    /// left, one channel, batch 1, tile rows that end past the output, several uneven blocks of tiles.
    static let geometries: [ConvolutionGeometry] = [
        geometry(batch: 1, inChannels: 1, size: (1, 1), outChannels: 1, padding: (1, 1), output: (1, 1)),
        geometry(batch: 1, inChannels: 1, size: (4, 4), outChannels: 1, padding: (0, 0), output: (2, 2)),
        geometry(batch: 2, inChannels: 3, size: (7, 5), outChannels: 4, padding: (1, 1), output: (7, 5)),
        geometry(batch: 1, inChannels: 2, size: (9, 10), outChannels: 3, padding: (0, 0), output: (7, 8)),
        geometry(batch: 3, inChannels: 5, size: (6, 6), outChannels: 2, padding: (2, 2), output: (8, 8)),
        geometry(batch: 2, inChannels: 2, size: (6, 7), outChannels: 3, padding: (1, 0), output: (5, 5)),
        geometry(batch: 1, inChannels: 4, size: (33, 31), outChannels: 3, padding: (1, 1), output: (33, 31)),
        geometry(batch: 2, inChannels: 300, size: (30, 30), outChannels: 2, padding: (1, 1), output: (30, 30)),
    ]

    static func geometry(
        batch: Int, inChannels: Int, size: (Int, Int), outChannels: Int, padding: (Int, Int),
        output: (Int, Int)
    ) -> ConvolutionGeometry {
        ConvolutionGeometry(
            batch: batch, inChannels: inChannels, height: size.0, width: size.1, outChannels: outChannels,
            kernel: 3, stride: 1, padding: Size2D(height: padding.0, width: padding.1), dilation: 1, groups: 1,
            output: Size2D(height: output.0, width: output.1))
    }

    /// The three passes of `algorithm` on random tensors: output (with bias), input gradient, weight gradient (nil for a
    /// pass the algorithm does not compute).
    static func passes(_ algorithm: CPUConvolutionAlgorithm, _ g: ConvolutionGeometry, seed: UInt64) throws -> [[Float]?] {
        let backend = CPUBackend.shared
        let x = try testTensor([g.batch, g.inChannels, g.height, g.width], device: .cpu, seed: seed)
        let w = try testTensor(
            [g.outChannels, g.inChannels, g.kernel.height, g.kernel.width], device: .cpu, seed: seed + 1)
        let b = try testTensor([g.outChannels], device: .cpu, seed: seed + 2)
        let gy = try testTensor([g.batch, g.outChannels, g.output.height, g.output.width], device: .cpu, seed: seed + 3)
        // NaN first: a value an algorithm fails to write shows (a recycled buffer may hold another algorithm's result).
        let y = try Tensor.full(gy.shape, value: .nan), gx = try Tensor.full(x.shape, value: .nan)
        let gw = try Tensor.full(w.shape, value: .nan)
        try backend.conv2d(x.storage, weight: w.storage, bias: b.storage, geometry: g, into: y.storage, algorithm: algorithm)
        var results: [[Float]?] = [try y.toArray(), nil, nil]
        if algorithm.supports(g, pass: .backwardData) {
            try backend.conv2dBackwardData(gy.storage, weight: w.storage, geometry: g, into: gx.storage, algorithm: algorithm)
            results[1] = try gx.toArray()
        }
        if algorithm.supports(g, pass: .backwardWeight) {
            try backend.conv2dBackwardWeight(
                gy.storage, input: x.storage, geometry: g, into: gw.storage, algorithm: algorithm)
            results[2] = try gw.toArray()
        }
        return results
    }

    /// Geometries only direct convolution computes, or that only it reads differently: kernels of 1x1, 5x5 (LeNet-5's
    /// first layer, whose 28-pixel rows end inside a vector), 2x4 with uneven padding and padding wider than the kernel
    /// (the input gradient's padding is then negative), outputs narrower than any vector, 13 output channels, and a
    /// stride of 2 (read through phase planes; forward and weight gradient only).
    static let directGeometries: [ConvolutionGeometry] = [
        ConvolutionGeometry(
            batch: 3, inChannels: 1, height: 28, width: 28, outChannels: 6, kernel: 5, stride: 1, padding: 2,
            dilation: 1, groups: 1, output: 28),
        ConvolutionGeometry(
            batch: 2, inChannels: 3, height: 5, width: 6, outChannels: 13, kernel: 1, stride: 1, padding: 0,
            dilation: 1, groups: 1, output: Size2D(height: 5, width: 6)),
        ConvolutionGeometry(
            batch: 2, inChannels: 2, height: 7, width: 9, outChannels: 3, kernel: Size2D(height: 2, width: 4), stride: 1,
            padding: Size2D(height: 1, width: 3), dilation: 1, groups: 1, output: Size2D(height: 8, width: 12)),
        ConvolutionGeometry(
            batch: 1, inChannels: 2, height: 3, width: 2, outChannels: 2, kernel: 3, stride: 1, padding: 3,
            dilation: 1, groups: 1, output: Size2D(height: 7, width: 6)),
        ConvolutionGeometry(
            batch: 2, inChannels: 3, height: 9, width: 8, outChannels: 5, kernel: 3, stride: 2, padding: 1,
            dilation: 1, groups: 1, output: Size2D(height: 5, width: 4)),
    ]

    static let algorithmCases = [CPUConvolutionAlgorithm.winograd, .winograd4, .direct].flatMap { a in
        geometries.indices.map { (a, $0) }
    }

    @Test(arguments: Self.algorithmCases)
    func algorithmMatchesColumns(algorithm: CPUConvolutionAlgorithm, index: Int) throws {
        try Self.expectColumnsResults(algorithm, Self.geometries[index], "geometry \(index)")
    }

    @Test(arguments: Self.directGeometries.indices)
    func directMatchesColumns(index: Int) throws {
        try Self.expectColumnsResults(.direct, Self.directGeometries[index], "direct geometry \(index)")
    }

    /// Each pass `algorithm` computes against columns. F(4x4)'s coefficients (1/24, 8) cost it about 20 times F(2x2)'s
    /// error (`winogradErrorsStayWithinTheirBounds`); against columns, its forward on 300 input channels misses the
    /// others' tolerance of 1e-3 and keeps within 4e-3.
    static func expectColumnsResults(_ algorithm: CPUConvolutionAlgorithm, _ g: ConvolutionGeometry, _ name: String) throws {
        let tolerance: Float = algorithm == .winograd4 ? 4e-3 : 1e-3
        let expected = try passes(.columns, g, seed: 50), values = try passes(algorithm, g, seed: 50)
        for (index, pass) in ConvolutionPass.allCases.enumerated() {
            guard let value = values[index], let want = expected[index] else {
                let skips = g.stride != Size2D(1) ? ConvolutionPass.backwardData : nil
                #expect(algorithm != .columns && pass == skips, "\(algorithm) skipped its \(pass) of \(name)")
                continue
            }
            #expect(
                allClose(value, want, atol: tolerance / 10, rtol: tolerance),
                "\(algorithm) \(pass) of \(name): \(maxAbsDifference(value, want))")
        }
    }

    /// The largest error of each algorithm's three passes against a float64 direct correlation, relative to the largest
    /// reference value, on a realistic layer: 64 -> 64 channels, 16x16, values ~N(0, 1). Measured (2026-12-01; forward,
    /// input gradient, weight gradient): columns 3.9e-7, 1.7e-7, 4.2e-7; Winograd F(2x2) 3.7e-7, 3.2e-7, 5.6e-7; F(4x4)
    /// 7.1e-6, 6.6e-6, 3.5e-6; direct 8.9e-7, 8.6e-7, 1.1e-7. F(4x4)'s coefficients (1/24, 8) cost it about 20 times
    /// F(2x2)'s error; the bounds leave about three times the measured.
    @Test func winogradErrorsStayWithinTheirBounds() throws {
        let g = Self.geometry(batch: 2, inChannels: 64, size: (16, 16), outChannels: 64, padding: (1, 1), output: (16, 16))
        func normal(_ count: Int, seed: UInt64) -> [Float] {
            // Box-Muller on the test's uniform values.
            let u = testValues(2 * count, seed: seed, low: 1e-7, high: 1)
            return (0..<count).map { Float((-2 * log(Double(u[2 * $0]))).squareRoot() * cos(2 * .pi * Double(u[2 * $0 + 1]))) }
        }
        let x = normal(g.batch * 64 * 256, seed: 70), w = normal(64 * 64 * 9, seed: 71), gy = normal(g.batch * 64 * 256, seed: 72)
        // y[n][o] = sum over c, i, j of x[n][c] at (p + i - 1, q + j - 1) * w[o][c][i][j]; gx and gw its adjoints,
        // from gy.
        var y = [Double](repeating: 0, count: gy.count), gx = [Double](repeating: 0, count: x.count)
        var gw = [Double](repeating: 0, count: w.count)
        for n in 0..<g.batch {
            for o in 0..<64 {
                for c in 0..<64 {
                    for i in 0..<3 {
                        for j in 0..<3 {
                            let tap = ((o * 64 + c) * 3 + i) * 3 + j, weight = Double(w[tap])
                            var sum = 0.0
                            for p in max(0, 1 - i)..<min(16, 17 - i) {
                                for q in max(0, 1 - j)..<min(16, 17 - j) {
                                    let input = ((n * 64 + c) * 16 + p + i - 1) * 16 + q + j - 1
                                    let output = ((n * 64 + o) * 16 + p) * 16 + q
                                    y[output] += Double(x[input]) * weight
                                    gx[input] += Double(gy[output]) * weight
                                    sum += Double(gy[output]) * Double(x[input])
                                }
                            }
                            gw[tap] += sum
                        }
                    }
                }
            }
        }
        let bounds: [CPUConvolutionAlgorithm: Double] = [.columns: 1e-6, .winograd: 2e-6, .winograd4: 2e-5, .direct: 3e-6]
        for algorithm in CPUConvolutionAlgorithm.allCases {
            let backend = CPUBackend.shared, bound = try #require(bounds[algorithm])
            // NaN first, as in `passes`: the pool may hand back the previous algorithm's result.
            let output = try Tensor.full([g.batch, 64, 16, 16], value: .nan)
            let gradInput = try Tensor.full([g.batch, 64, 16, 16], value: .nan)
            let gradWeight = try Tensor.full([64, 64, 3, 3], value: .nan)
            let weight = try Tensor(w, shape: [64, 64, 3, 3])
            try backend.conv2d(
                Tensor(x, shape: output.shape).storage, weight: weight.storage, bias: nil, geometry: g,
                into: output.storage, algorithm: algorithm)
            try backend.conv2dBackwardData(
                Tensor(gy, shape: output.shape).storage, weight: weight.storage, geometry: g, into: gradInput.storage,
                algorithm: algorithm)
            try backend.conv2dBackwardWeight(
                Tensor(gy, shape: output.shape).storage, input: Tensor(x, shape: gradInput.shape).storage, geometry: g,
                into: gradWeight.storage, algorithm: algorithm)
            for (name, values, reference) in [
                ("forward", try output.toArray(), y), ("input gradient", try gradInput.toArray(), gx),
                ("weight gradient", try gradWeight.toArray(), gw),
            ] {
                // A NaN counts as an infinite error (`max` would pass over it).
                let error = zip(values, reference).map { $0.isNaN ? .infinity : abs(Double($0) - $1) }.max()!
                let relative = error / reference.map(abs).max()!
                #expect(relative < bound, "\(algorithm) \(name): \(relative)")
            }
        }
    }

    /// Central differences of sum(r * conv(x, w)) against the backward passes of each algorithm.
    @Test(arguments: CPUConvolutionAlgorithm.allCases)
    func backwardPassesMatchFiniteDifferences(algorithm: CPUConvolutionAlgorithm) throws {
        let backend = CPUBackend.shared
        let g = Self.geometry(batch: 2, inChannels: 2, size: (5, 4), outChannels: 3, padding: (1, 1), output: (5, 4))
        let x = testValues(g.batch * g.inChannels * 20, seed: 61), w = testValues(g.outChannels * g.inChannels * 9, seed: 62)
        let r = try Tensor(testValues(g.batch * g.outChannels * 20, seed: 63), shape: [2, 3, 5, 4])
        func objective(_ x: [Float], _ w: [Float]) throws -> Double {
            let y = try Tensor.empty(r.shape)
            try backend.conv2d(
                Tensor(x, shape: [2, 2, 5, 4]).storage, weight: Tensor(w, shape: [3, 2, 3, 3]).storage, bias: nil,
                geometry: g, into: y.storage, algorithm: algorithm)
            return zip(try y.toArray(), try r.toArray()).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        let gx = try Tensor.empty([2, 2, 5, 4]), gw = try Tensor.empty([3, 2, 3, 3])
        try backend.conv2dBackwardData(
            r.storage, weight: Tensor(w, shape: [3, 2, 3, 3]).storage, geometry: g, into: gx.storage,
            algorithm: algorithm)
        let weightGradient = algorithm.supports(g, pass: .backwardWeight)
        if weightGradient {
            try backend.conv2dBackwardWeight(
                r.storage, input: Tensor(x, shape: [2, 2, 5, 4]).storage, geometry: g, into: gw.storage,
                algorithm: algorithm)
        }
        let epsilon: Float = 1e-2
        /// The central difference along element i of x (input 0) or w (input 1).
        func numeric(_ input: Int, _ i: Int) throws -> Float {
            var (xs, ws) = (x, w)
            func shifted(_ delta: Float) throws -> Double {
                if input == 0 { xs[i] = x[i] + delta } else { ws[i] = w[i] + delta }
                return try objective(xs, ws)
            }
            return Float((try shifted(epsilon) - shifted(-epsilon)) / Double(2 * epsilon))
        }
        let (analyticX, analyticW) = (try gx.toArray(), try gw.toArray())
        for i in x.indices {
            let n = try numeric(0, i)
            #expect(abs(analyticX[i] - n) / max(1, abs(n)) < 1e-2, "input gradient \(i): \(analyticX[i]) vs \(n)")
        }
        for i in w.indices where weightGradient {
            let n = try numeric(1, i)
            #expect(abs(analyticW[i] - n) / max(1, abs(n)) < 1e-2, "weight gradient \(i): \(analyticW[i]) vs \(n)")
        }
    }

    @Test func choiceSupportsItsGeometryAndWinogradRefusesOthers() throws {
        let strided = ConvolutionGeometry(
            batch: 1, inChannels: 2, height: 6, width: 6, outChannels: 2, kernel: 3, stride: 2,
            padding: 1, dilation: 1, groups: 1, output: 3)
        for g in Self.geometries + [strided] {
            for pass in ConvolutionPass.allCases {
                #expect(CPUConvolutionAlgorithm.choice(for: g, pass: pass).supports(g, pass: pass))
            }
        }
        for pass in ConvolutionPass.allCases {
            #expect(!CPUConvolutionAlgorithm.winograd.supports(strided, pass: pass))
            #expect(!CPUConvolutionAlgorithm.winograd4.supports(strided, pass: pass))
        }
        // Direct convolution reads a strided layer through phase planes: its forward and weight gradient.
        #expect(
            ConvolutionPass.allCases.map { CPUConvolutionAlgorithm.direct.supports(strided, pass: $0) } == [true, false, true])
        // As measured (conv-algo): direct for inputs of up to 8 channels (6 for the weight gradient) and strided
        // forwards; Winograd from 16 channels, F(4x4) on planes of 16x16 and more; its weight gradient from 64 channels
        // on those planes (F(4x4)), from 128 on smaller ones (F(2x2)). Without AVX-512, the input gradient by direct
        // convolution only into one channel.
        func choice(
            _ inChannels: Int, _ outChannels: Int, _ pass: ConvolutionPass, size: Int = 16,
            level: fovea_simd_level = FOVEA_SIMD_AVX512
        ) -> CPUConvolutionAlgorithm {
            .choice(
                for: Self.geometry(
                    batch: 32, inChannels: inChannels, size: (size, size), outChannels: outChannels, padding: (1, 1),
                    output: (size, size)), pass: pass, simdLevel: Int32(level.rawValue))
        }
        #expect(ConvolutionPass.allCases.map { choice(128, 128, $0) } == [.winograd4, .winograd4, .winograd4])
        #expect(ConvolutionPass.allCases.map { choice(64, 64, $0) } == [.winograd4, .winograd4, .winograd4])
        #expect(ConvolutionPass.allCases.map { choice(32, 64, $0) } == [.winograd4, .winograd4, .columns])
        #expect(ConvolutionPass.allCases.map { choice(16, 16, $0) } == [.winograd4, .winograd4, .columns])
        #expect(ConvolutionPass.allCases.map { choice(32, 32, $0) } == [.winograd4, .winograd4, .columns])
        #expect(ConvolutionPass.allCases.map { choice(8, 16, $0) } == [.direct, .direct, .columns])
        #expect(ConvolutionPass.allCases.map { choice(6, 16, $0) } == [.direct, .direct, .direct])
        #expect(ConvolutionPass.allCases.map { choice(3, 32, $0) } == [.direct, .direct, .direct])
        #expect(ConvolutionPass.allCases.map { choice(1, 6, $0) } == [.direct, .direct, .direct])
        for level in [FOVEA_SIMD_AVX2, FOVEA_SIMD_PORTABLE] {
            #expect(ConvolutionPass.allCases.map { choice(1, 6, $0, level: level) } == [.direct, .direct, .direct])
            #expect(ConvolutionPass.allCases.map { choice(3, 32, $0, level: level) } == [.direct, .columns, .direct])
            #expect(ConvolutionPass.allCases.map { choice(6, 16, $0, level: level) } == [.direct, .columns, .direct])
            #expect(ConvolutionPass.allCases.map { choice(64, 64, $0, level: level) } == [.winograd4, .winograd4, .winograd4])
        }
        #expect(ConvolutionPass.allCases.map { choice(64, 64, $0, size: 8) } == [.winograd, .winograd, .columns])
        #expect(ConvolutionPass.allCases.map { choice(128, 128, $0, size: 8) } == [.winograd, .winograd, .winograd])
        #expect(
            ConvolutionPass.allCases.map { CPUConvolutionAlgorithm.choice(for: strided, pass: $0) } == [
                .direct, .columns, .direct,
            ])
        // The forward of a strided layer of 16 channels: direct on AVX-512, columns below it.
        let stridedWide = ConvolutionGeometry(
            batch: 32, inChannels: 16, height: 32, width: 32, outChannels: 32, kernel: 3, stride: 2, padding: 1,
            dilation: 1, groups: 1, output: 16)
        #expect(
            [FOVEA_SIMD_AVX512, FOVEA_SIMD_AVX2, FOVEA_SIMD_PORTABLE].map {
                CPUConvolutionAlgorithm.choice(for: stridedWide, pass: .forward, simdLevel: Int32($0.rawValue))
            } == [.direct, .columns, .columns])
        // A 1x1 kernel reads the image as its column matrix: columns, however few its channels.
        #expect(
            ConvolutionPass.allCases.map { CPUConvolutionAlgorithm.choice(for: Self.directGeometries[1], pass: $0) } == [
                .columns, .columns, .columns,
            ])
        let x = try Tensor.zeros([1, 2, 6, 6]), w = try Tensor.zeros([2, 2, 3, 3]), y = try Tensor.zeros([1, 2, 3, 3])
        #expect(
            throws: FoveaError.invalidArgument(
                "conv2d: the winograd algorithm does not support kernel 3x3, stride 2x2, dilation 1x1, groups 1")
        ) {
            try CPUBackend.shared.conv2d(
                x.storage, weight: w.storage, bias: nil, geometry: strided, into: y.storage, algorithm: .winograd)
        }
        #expect(
            throws: FoveaError.invalidArgument("conv2d backward-data: the direct algorithm does not compute this pass")
        ) {
            try CPUBackend.shared.conv2dBackwardData(
                y.storage, weight: w.storage, geometry: strided, into: x.storage, algorithm: .direct)
        }
    }
}
