import FoveaCore
import FoveaTestSupport
import Testing

/// OpenCL GEMM (gemm.cl's small-matrix kernel on CPU devices, CLBlast otherwise) against the CPU backend: every
/// transposition, batches with strides (and a batch sharing one B, stride 0), offsets, padded leading dimensions, alpha
/// and beta, sizes off every tile. Products above 2^24 multiply-adds reach CLBlast on CPU devices too, the largest one
/// CLBlast's indirect path (pre- and post-processing kernels around the tiled GEMM); with `FOVEA_OPENCL_AS=gpu`
/// every case runs on CLBlast.
@Suite struct OpenCLGemmTests {
    @Test(arguments: [false, true], [false, true])
    func matchesCPU(transposeA: Bool, transposeB: Bool) throws {
        guard testDevices.count == 2, case .opencl(let index) = testDevices[1] else { return }
        let gpu = try OpenCLBackend.backend(forDevice: index), cpu = CPUBackend.shared
        let cases = [
            (1, 1, 1, 1, false), (7, 19, 33, 1, false), (13, 5, 17, 2, false), (64, 120, 400, 1, false), (3, 40, 9, 3, true),
            (300, 260, 240, 1, false), (130, 257, 260, 2, true), (515, 384, 321, 1, false),
        ]
        for (m, n, k, batch, sharedB) in cases {
            var d = GemmDescriptor(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: 0.5, beta: 1)
            d.lda += 2; d.ldb += 1; d.ldc += 3
            d.offsetA = 5; d.offsetB = 2; d.offsetC = 1
            let rowsA = transposeA ? k : m, rowsB = transposeB ? n : k
            d.strideA = rowsA * d.lda + 1; d.strideB = sharedB ? 0 : rowsB * d.ldb; d.strideC = m * d.ldc + 2
            d.batch = batch
            let sizes = [
                d.offsetA + d.strideA * batch, d.offsetB + max(d.strideB * batch, rowsB * d.ldb), d.offsetC + d.strideC * batch,
            ]
            var results: [[Float]] = []
            for backend in [cpu as any Backend, gpu] {
                let storages = try sizes.enumerated().map { i, count -> Storage in
                    let storage = try backend.allocate(count)
                    try testValues(count, seed: UInt64(i + 1)).withUnsafeBufferPointer {
                        try backend.upload($0, into: storage, offset: 0)
                    }
                    return storage
                }
                try backend.gemm(d, a: storages[0], b: storages[1], c: storages[2])
                results.append(try backend.download(storages[2], offset: 0, count: sizes[2]))
            }
            #expect(
                allClose(results[0], results[1], atol: 1e-4), "\(d): max difference \(maxAbsDifference(results[0], results[1]))")
        }
    }

    /// C = op(A) op(B) + bias on every row, through gemm.cl's small kernels (bias added as C is stored) and through a
    /// bias copied into C before CLBlast (above 2^24 multiply-adds), against the plain CPU product plus the bias on the
    /// host; C's padding between rows keeps its values.
    @Test(arguments: [false, true], [false, true])
    func rowBiasIsAddedToEveryRow(transposeA: Bool, transposeB: Bool) throws {
        let cases = [(1, 1, 1), (7, 19, 33), (64, 120, 400), (300, 260, 240)]
        for (m, n, k) in cases {
            var d = GemmDescriptor(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
            d.ldc += 3
            d.offsetC = 2
            let sizes = [m * k, n * k, d.offsetC + m * d.ldc, n]
            let values = sizes.enumerated().map { i, count in testValues(count, seed: UInt64(i + 7)) }
            var expected = values[2]
            let cpu = CPUBackend.shared
            let storages = try values.map { try Tensor($0).storage }
            try cpu.gemm(d, a: storages[0], b: storages[1], c: storages[2])
            let product = try cpu.download(storages[2], offset: 0, count: sizes[2])
            for row in 0..<m {
                for column in 0..<n {
                    let index = d.offsetC + row * d.ldc + column
                    expected[index] = product[index] + values[3][column]
                }
            }
            for device in testDevices {
                let deviceBackend = try FoveaCore.backend(for: device)
                let inputs = try values.map { try Tensor($0, device: device).storage }
                try deviceBackend.gemm(
                    d, a: inputs[0], b: inputs[1], c: inputs[2], rowBias: inputs[3], activation: .identity)
                let result = try deviceBackend.download(inputs[2], offset: 0, count: sizes[2])
                #expect(
                    allClose(result, expected, atol: 1e-4),
                    "\(device) \(d): max difference \(maxAbsDifference(result, expected))")
            }
        }
    }
}
