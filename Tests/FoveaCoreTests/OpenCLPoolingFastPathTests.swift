import FoveaCore
import FoveaTestSupport
import Testing

/// The OpenCL pooling gradient for windows that tile the input (its one-item-per-window kernel) against the CPU backend,
/// with many ties so that routing to the first extreme element is exercised.
@Suite struct OpenCLPoolingFastPathTests {
    @Test(arguments: PoolKind.allCases)
    func tiledWindowsMatchCPU(kind: PoolKind) throws {
        guard testDevices.count == 2 else { return }
        let shape: Shape = [3, 2, 6, 8]
        let values = testValues(shape.count, seed: 5).map { ($0 * 2).rounded() }  // -2 ... 2: ties everywhere
        let upstream = testValues(3 * 2 * 3 * 2, seed: 6)
        var gradients: [[Float]] = []
        for device in testDevices {
            let x = try Tensor(values, shape: shape, device: device, requiresGrad: true)
            let y = try x.pool2d(kind, kernel: [2, 4], stride: nil, padding: 0)
            try y.backward(try Tensor(upstream, shape: y.shape, device: device))
            gradients.append(try x.grad!.toArray())
        }
        #expect(allClose(gradients[0], gradients[1]), "\(kind): max difference \(maxAbsDifference(gradients[0], gradients[1]))")
    }
}
