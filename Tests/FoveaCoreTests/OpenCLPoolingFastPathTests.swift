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

    /// 2x2 windows, which CPU devices take four at a time (float8 rows) before a scalar remainder: a plane that the
    /// windows tile (22 wide: two vector steps and three windows left; the tiled gradient kernel) and one they do not
    /// (19 wide: the forward's vector path over an odd row; the gathering gradient kernel). Ties everywhere, a NaN as a
    /// window's first cell (never the extreme) and a window of NaNs only (the starting extreme, as on the CPU).
    @Test(arguments: [PoolKind.max, .min], [[2, 3, 6, 22], [2, 3, 7, 19]] as [Shape])
    func twoByTwoWindowsFourAtATimeMatchCPU(kind: PoolKind, shape: Shape) throws {
        guard testDevices.count == 2 else { return }
        var values = testValues(shape.count, seed: 7).map { ($0 * 2).rounded() }
        let width = shape[3]
        values[0] = .nan  // the first cell of window (0, 0)
        for cell in [4, 5, width + 4, width + 5] { values[cell] = .nan }  // all of window (0, 2)
        var outputs: [[Float]] = [], gradients: [[Float]] = []
        for device in testDevices {
            let x = try Tensor(values, shape: shape, device: device, requiresGrad: true)
            let y = try x.pool2d(kind, kernel: [2, 2], stride: nil, padding: 0)
            try y.backward(try Tensor(testValues(y.shape.count, seed: 8), shape: y.shape, device: device))
            outputs.append(try y.toArray())
            gradients.append(try x.grad!.toArray())
        }
        #expect(outputs[0][2] == (kind == .max ? -.infinity : .infinity))
        for (name, pair) in [("output", outputs), ("gradient", gradients)] {
            let differing = pair[0].indices.filter { pair[0][$0] != pair[1][$0] }
            #expect(differing.isEmpty, "\(kind) \(shape): \(name) differs at \(differing.prefix(5)) of \(pair[0].count)")
        }
    }
}
