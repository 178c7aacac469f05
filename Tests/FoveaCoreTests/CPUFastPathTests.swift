import FoveaTestSupport
import Testing

@testable import FoveaCore

/// The CPU backend's shape-dependent fast paths against OpenCL's general kernels, at sizes that reach them: convolutions
/// split over several cores (wide, strided and pointwise column layouts), tiled pooling eight and four windows at a time
/// with ties, GEMMs done in column blocks, and an LSTM large enough for the packed kernels' full tiles and panels (and
/// its large GEMMs run as `packedGemm`). Also the host buffer pool.
@Suite struct CPUFastPathTests {
    static let hasOpenCL = testDevices.count > 1

    /// (input, weight, stride, padding, dilation, groups), each large enough to be split over cores.
    static let convolutions: [([Int], [Int], Size2D, Padding, Size2D, Int)] = [
        ([9, 6, 14, 14], [16, 6, 5, 5], 1, .valid, 1, 1),
        ([8, 1, 28, 28], [6, 1, 5, 5], 1, 2, 1, 1),
        ([6, 16, 16, 16], [8, 16, 1, 1], 1, .valid, 1, 1),
        ([6, 8, 11, 13], [12, 4, 3, 3], [2, 1], 1, 1, 2),
        ([7, 8, 10, 9], [8, 8, 3, 3], 1, [2, 1], 2, 1),
        ([7, 6, 9, 10], [6, 6, 2, 3], 1, .same, 1, 1),
    ]

    @Test(.enabled(if: hasOpenCL), arguments: convolutions.indices)
    func convolutionAndGradientsMatchOpenCL(index: Int) throws {
        let (xs, ws, stride, padding, dilation, groups) = Self.convolutions[index]
        var results: [[[Float]]] = []
        for device in [Device.cpu, .opencl(0)] {
            let x = try testTensor(Shape(xs), device: device, seed: 3, requiresGrad: true)
            let w = try testTensor(Shape(ws), device: device, seed: 4, requiresGrad: true)
            let b = try testTensor([ws[0]], device: device, seed: 5, requiresGrad: true)
            let y = try x.conv2d(weight: w, bias: b, stride: stride, padding: padding, dilation: dilation, groups: groups)
            try (y * testTensor(y.shape, device: device, seed: 6)).sum().backward()
            results.append([try y.toArray(), try x.grad!.toArray(), try w.grad!.toArray(), try b.grad!.toArray()])
        }
        for (i, name) in ["output", "input gradient", "weight gradient", "bias gradient"].enumerated() {
            #expect(
                allClose(results[0][i], results[1][i], atol: 1e-4),
                "\(xs) * \(ws) \(name): \(maxAbsDifference(results[0][i], results[1][i]))")
        }
    }

    /// Rows of 14, 6 and 5 windows (eight or four at a time, overlapping), 4 (four exactly), 3-wide windows (one at a time),
    /// and inputs with rows and columns no window reads.
    @Test(.enabled(if: hasOpenCL), arguments: PoolKind.allCases)
    func tiledPoolingMatchesOpenCL(kind: PoolKind) throws {
        for (shape, kernel) in [
            ([3, 4, 28, 28], 2), ([3, 2, 11, 13], 2), ([2, 16, 10, 10], 2), ([2, 3, 7, 9], 2), ([3, 4, 11, 13], 3),
        ] {
            // Values on a grid of quarters, so windows hold ties.
            let values = testValues(Shape(shape).count, seed: 8, low: 0.1, high: 1).map { ($0 * 4).rounded(.down) / 4 + 0.01 }
            var results: [[[Float]]] = []
            for device in [Device.cpu, .opencl(0)] {
                let x = try Tensor(values, shape: Shape(shape), device: device, requiresGrad: true)
                let y = try x.pool2d(kind, kernel: Size2D(kernel))
                try (y * testTensor(y.shape, device: device, seed: 9)).sum().backward()
                results.append([try y.toArray(), try x.grad!.toArray()])
            }
            #expect(allClose(results[0][0], results[1][0]), "\(kind) \(shape) kernel \(kernel) output")
            #expect(allClose(results[0][1], results[1][1]), "\(kind) \(shape) kernel \(kernel) gradient")
        }
    }

    /// A * B^T products wide enough to be done in column blocks, and one split over cores.
    @Test(.enabled(if: hasOpenCL))
    func blockedMatmulMatchesOpenCL() throws {
        for (m, k, n) in [(16, 140, 150), (64, 400, 120), (3, 40, 700), (256, 300, 200)] {
            var results: [[Float]] = []
            for device in [Device.cpu, .opencl(0)] {
                let a = try testTensor([m, k], device: device, seed: 11), b = try testTensor([n, k], device: device, seed: 12)
                results.append(try a.linear(weight: b).toArray())
            }
            #expect(
                allClose(results[0], results[1], atol: 1e-4),
                "\(m)x\(k) * (\(n)x\(k))^T: \(maxAbsDifference(results[0], results[1]))")
        }
    }

    @Test(.enabled(if: hasOpenCL), arguments: [false, true])
    func largeLSTMMatchesOpenCL(reverse: Bool) throws {
        // 8 steps x 19 sequences (two blocks of rows, neither a whole number of tiles), hidden 37 (4 * 37 columns of
        // gates: whole panels and a part), input 24: every GEMM of the op above the sizes that go to `packedGemm`.
        let (steps, batch, input, hidden) = (8, 19, 24, 37)
        var results: [[[Float]]] = []
        for device in [Device.cpu, .opencl(0)] {
            let shapes: [Shape] = [
                [steps, batch, input], [batch, hidden], [batch, hidden], [4 * hidden, input], [4 * hidden, hidden],
                [4 * hidden], [4 * hidden],
            ]
            let t = try shapes.enumerated().map {
                try testTensor($1, device: device, seed: 20 + UInt64($0), low: -0.5, high: 0.5, requiresGrad: true)
            }
            let (output, state) = try Tensor.recurrent(
                .lstm, input: t[0], initialState: [t[1], t[2]], weightIH: t[3], weightHH: t[4], biasIH: t[5],
                biasHH: t[6], reverse: reverse)
            let loss =
                try (output * testTensor(output.shape, device: device, seed: 30)).sum()
                + (state[0] * testTensor(state[0].shape, device: device, seed: 31)).sum() + state[1].sum()
            try loss.backward()
            let gradients = try t.map { try $0.grad!.toArray() }
            results.append([try output.toArray(), try state[0].toArray(), try state[1].toArray()] + gradients)
        }
        for (i, name) in ["output", "h_n", "c_n", "dx", "dh_0", "dc_0", "dW_ih", "dW_hh", "db_ih", "db_hh"].enumerated() {
            #expect(
                allClose(results[0][i], results[1][i], atol: 1e-4), "\(name): \(maxAbsDifference(results[0][i], results[1][i]))")
        }
    }

    @Test func bufferPoolReusesBlocksAndCountsLiveBytes() throws {
        let pool = CPUBufferPool()
        let size = CPUBufferPool.sizeClass(forBytes: 4000)
        #expect(size == 4096)
        let block = try #require(pool.take(byteSize: size, logicalBytes: 4000))
        #expect(pool.memoryUsage == MemoryUsage(currentBytes: 4000, peakBytes: 4000))
        pool.recycle(block, byteSize: size, logicalBytes: 4000)
        #expect(pool.memoryUsage == MemoryUsage(currentBytes: 0, peakBytes: 4000))
        #expect(pool.take(byteSize: size, logicalBytes: 3000) == block, "a returned block of the same size class is reused")
        #expect(pool.memoryUsage == MemoryUsage(currentBytes: 3000, peakBytes: 4000))
        pool.recycle(block, byteSize: size, logicalBytes: 3000)
        pool.releaseIdle()
        #expect(CPUBufferPool.sizeClass(forBytes: 100_000) == 114_688, "four classes per doubling above 64 KiB")
        #expect(CPUBufferPool.sizeClass(forBytes: 1) == 64)
    }
}
