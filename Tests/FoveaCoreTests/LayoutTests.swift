import FoveaCore
import FoveaTestSupport
import Testing

@Suite struct LayoutTests {
    @Test(arguments: testDevices)
    func reshapeInfersOneAxisAndSharesData(device: Device) throws {
        let x = try Tensor.arange(0, 12, device: device)
        let y = try x.reshaped(3, -1)
        #expect(y.shape == [3, 4])
        #expect(y.sharedStorage === x.sharedStorage)
        #expect(throws: FoveaError.shapeMismatch(op: "reshape", [12], [5, -1])) { try x.reshaped(5, -1) }
    }

    @Test(arguments: testDevices)
    func permuteMatchesHandComputedTranspose(device: Device) throws {
        let x = try Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3], device: device)
        #expect(try x.transposed().toArray() == [1, 4, 2, 5, 3, 6])
        let cube = try Tensor.arange(0, 24, device: device).reshaped(2, 3, 4)
        let p = try cube.permuted(2, 0, 1)
        #expect(p.shape == [4, 2, 3])
        // p[k, i, j] = cube[i, j, k] = 12 i + 4 j + k
        let values = try p.toArray()
        #expect(values[5] == Float(20))  // k=0, i=1, j=2
        #expect(values[19] == Float(7))  // k=3, i=0, j=1
    }

    @Test(arguments: testDevices)
    func concatenateAndSliceAlongAnyAxis(device: Device) throws {
        let a = try Tensor([1, 2, 3, 4], shape: [2, 2], device: device)
        let b = try Tensor([5, 6], shape: [2, 1], device: device)
        let c = try Tensor.concatenate([a, b], axis: 1)
        #expect(c.shape == [2, 3])
        #expect(try c.toArray() == [1, 2, 5, 3, 4, 6])
        #expect(try c.slice(axis: 1, start: 1, count: 2).toArray() == [2, 5, 4, 6])
        #expect(try Tensor.concatenate([a, a], axis: 0).slice(axis: 0, start: 1, count: 2).toArray() == [3, 4, 1, 2])
        #expect(throws: FoveaError.shapeMismatch(op: "concatenate", [2, 2], [2, 1])) { try Tensor.concatenate([a, b], axis: 0) }
    }

    @Test(arguments: testDevices)
    func layoutGradients(device: Device) throws {
        let a = try testTensor([2, 3, 4], device: device, seed: 3)
        let b = try testTensor([2, 1, 4], device: device, seed: 4)
        let check = try gradientCheck([a, b]) { t in
            try Tensor.concatenate([t[0], t[1]], axis: 1).permuted(2, 0, 1).slice(axis: 2, start: 1, count: 3).reshaped(-1)
        }
        #expect(check.worstError < 1e-2, "\(check)")
    }
}
