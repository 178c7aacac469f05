import FoveaCore
import FoveaTestSupport
import Testing

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

    /// The three passes of `algorithm` on random tensors: output (with bias), input gradient, weight gradient.
    static func passes(_ algorithm: CPUConvolutionAlgorithm, _ g: ConvolutionGeometry, seed: UInt64) throws -> [[Float]] {
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
        try backend.conv2dBackwardData(gy.storage, weight: w.storage, geometry: g, into: gx.storage, algorithm: algorithm)
        try backend.conv2dBackwardWeight(gy.storage, input: x.storage, geometry: g, into: gw.storage, algorithm: algorithm)
        return [try y.toArray(), try gx.toArray(), try gw.toArray()]
    }

    /// Geometries only direct convolution computes, or that only it reads differently: kernels of 1x1, 5x5 (LeNet-5's
    /// first layer, whose 28-pixel rows end inside a vector), 2x4 with uneven padding and padding wider than the kernel
    /// (the input gradient's padding is then negative), outputs narrower than any vector, 13 output channels.
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
    ]

    @Test(arguments: [CPUConvolutionAlgorithm.winograd, .direct], Self.geometries.indices)
    func algorithmMatchesColumns(algorithm: CPUConvolutionAlgorithm, index: Int) throws {
        try Self.expectColumnsResults(algorithm, Self.geometries[index], "geometry \(index)")
    }

    @Test(arguments: Self.directGeometries.indices)
    func directMatchesColumns(index: Int) throws {
        try Self.expectColumnsResults(.direct, Self.directGeometries[index], "direct geometry \(index)")
    }

    static func expectColumnsResults(_ algorithm: CPUConvolutionAlgorithm, _ g: ConvolutionGeometry, _ name: String) throws {
        let expected = try passes(.columns, g, seed: 50), values = try passes(algorithm, g, seed: 50)
        for (pass, passName) in ["forward", "backward-data", "backward-weight"].enumerated() {
            #expect(
                allClose(values[pass], expected[pass], atol: 1e-4, rtol: 1e-3),
                "\(algorithm) \(passName) of \(name): \(maxAbsDifference(values[pass], expected[pass]))")
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
        try backend.conv2dBackwardWeight(
            r.storage, input: Tensor(x, shape: [2, 2, 5, 4]).storage, geometry: g, into: gw.storage,
            algorithm: algorithm)
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
        for i in w.indices {
            let n = try numeric(1, i)
            #expect(abs(analyticW[i] - n) / max(1, abs(n)) < 1e-2, "weight gradient \(i): \(analyticW[i]) vs \(n)")
        }
    }

    @Test func choiceSupportsItsGeometryAndWinogradRefusesOthers() throws {
        let strided = ConvolutionGeometry(
            batch: 1, inChannels: 2, height: 6, width: 6, outChannels: 2, kernel: 3, stride: 2,
            padding: 1, dilation: 1, groups: 1, output: 3)
        for g in Self.geometries + [strided] {
            for pass in ConvolutionPass.allCases { #expect(CPUConvolutionAlgorithm.choice(for: g, pass: pass).supports(g)) }
        }
        #expect(!CPUConvolutionAlgorithm.winograd.supports(strided) && !CPUConvolutionAlgorithm.direct.supports(strided))
        // As measured (conv-algo): direct for inputs of up to 8 channels (6 for the weight gradient);
        // Winograd from 16 channels, its weight gradient from 128.
        func choice(_ inChannels: Int, _ outChannels: Int, _ pass: ConvolutionPass) -> CPUConvolutionAlgorithm {
            .choice(
                for: Self.geometry(
                    batch: 32, inChannels: inChannels, size: (16, 16), outChannels: outChannels, padding: (1, 1),
                    output: (16, 16)), pass: pass)
        }
        #expect(ConvolutionPass.allCases.map { choice(128, 128, $0) } == [.winograd, .winograd, .winograd])
        #expect(ConvolutionPass.allCases.map { choice(32, 64, $0) } == [.winograd, .winograd, .columns])
        #expect(ConvolutionPass.allCases.map { choice(16, 16, $0) } == [.winograd, .winograd, .columns])
        #expect(ConvolutionPass.allCases.map { choice(8, 16, $0) } == [.direct, .direct, .columns])
        #expect(ConvolutionPass.allCases.map { choice(6, 16, $0) } == [.direct, .direct, .direct])
        #expect(ConvolutionPass.allCases.map { choice(3, 32, $0) } == [.direct, .direct, .direct])
        #expect(ConvolutionPass.allCases.map { choice(1, 6, $0) } == [.direct, .direct, .direct])
        #expect(CPUConvolutionAlgorithm.choice(for: strided, pass: .forward) == .columns)
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
    }
}
