import FoveaCore
import FoveaTestSupport
import Testing

/// Elementwise kernels that give each work item a chunk of elements (on CPU devices) against the CPU backend, at a size
/// that spans several chunks and ends in a partial one.
@Suite struct OpenCLChunkedKernelTests {
    @Test func elementwiseOpsAcrossChunksMatchCPU() throws {
        guard testDevices.count == 2 else { return }
        let shape: Shape = [5, 1, 517]  // 2585 elements
        var results: [[[Float]]] = []
        for device in testDevices {
            let a = try testTensor(shape, device: device, seed: 1, requiresGrad: true)
            let b = try testTensor(shape, device: device, seed: 2)
            let s = try Tensor([0.5], shape: [], device: device)
            let y = try a.sigmoid() + a.relu() * b - s * b + b / s
            try y.sum().backward()
            results.append([try y.toArray(), try a.grad!.toArray()])
        }
        #expect(allClose(results[0][0], results[1][0]), "values: \(maxAbsDifference(results[0][0], results[1][0]))")
        #expect(allClose(results[0][1], results[1][1]), "gradients: \(maxAbsDifference(results[0][1], results[1][1]))")
    }
}
