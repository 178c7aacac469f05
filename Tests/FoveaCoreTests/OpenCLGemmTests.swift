import FoveaCore
import FoveaTestSupport
import Testing

/// OpenCL GEMM (gemm.cl's small-matrix kernel on CPU devices, CLBlast otherwise) against the CPU backend: every
/// transposition, batches with strides, offsets, padded leading dimensions, alpha and beta, sizes off every tile.
@Suite struct OpenCLGemmTests {
    @Test(arguments: [false, true], [false, true])
    func matchesCPU(transposeA: Bool, transposeB: Bool) throws {
        guard testDevices.count == 2, case .opencl(let index) = testDevices[1] else { return }
        let gpu = try OpenCLBackend.backend(forDevice: index), cpu = CPUBackend.shared
        for (m, n, k, batch) in [(1, 1, 1, 1), (7, 19, 33, 1), (13, 5, 17, 2), (64, 120, 400, 1), (3, 40, 9, 3)] {
            var d = GemmDescriptor(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: 0.5, beta: 1)
            d.lda += 2; d.ldb += 1; d.ldc += 3
            d.offsetA = 5; d.offsetB = 2; d.offsetC = 1
            let rowsA = transposeA ? k : m, rowsB = transposeB ? n : k
            d.strideA = rowsA * d.lda + 1; d.strideB = rowsB * d.ldb; d.strideC = m * d.ldc + 2
            d.batch = batch
            let sizes = [d.offsetA + d.strideA * batch, d.offsetB + d.strideB * batch, d.offsetC + d.strideC * batch]
            var results: [[Float]] = []
            for backend in [cpu as any Backend, gpu] {
                let storages = try sizes.enumerated().map { i, count -> Storage in
                    let storage = try backend.allocate(count)
                    try testValues(count, seed: UInt64(i + 1)).withUnsafeBufferPointer { try backend.upload($0, into: storage, offset: 0) }
                    return storage
                }
                try backend.gemm(d, a: storages[0], b: storages[1], c: storages[2])
                results.append(try backend.download(storages[2], offset: 0, count: sizes[2]))
            }
            #expect(allClose(results[0], results[1], atol: 1e-4), "\(d): max difference \(maxAbsDifference(results[0], results[1]))")
        }
    }
}
