import FoveaCore
import FoveaTestSupport
import Testing

@Suite struct MatmulTests {
    @Test(arguments: testDevices)
    func matmulMatchesHandComputedProduct(device: Device) throws {
        let a = try Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3], device: device)
        let b = try Tensor([7, 8, 9, 10, 11, 12], shape: [3, 2], device: device)
        #expect(try a.matmul(b).toArray() == [58, 64, 139, 154])
        #expect(throws: FoveaError.shapeMismatch(op: "matmul", [2, 3], [2, 3])) { try a.matmul(a) }
    }

    @Test(arguments: testDevices)
    func batchedMatmulBroadcastsASharedMatrix(device: Device) throws {
        let a = try testTensor([3, 2, 5], device: device, seed: 1)
        let b = try testTensor([5, 4], device: device, seed: 2)
        let c = try a.matmul(b)
        #expect(c.shape == [3, 2, 4])
        let av = try a.toArray(), bv = try b.toArray(), cv = try c.toArray()
        for batch in 0..<3 {
            for i in 0..<2 {
                for j in 0..<4 {
                    let expected = (0..<5).reduce(Float(0)) { $0 + av[batch * 10 + i * 5 + $1] * bv[$1 * 4 + j] }
                    #expect(abs(cv[batch * 8 + i * 4 + j] - expected) < 1e-5)
                }
            }
        }
    }

    @Test(arguments: testDevices)
    func matmulGradients(device: Device) throws {
        for (shapeA, shapeB) in [([3, 4], [4, 2]), ([2, 3, 4], [2, 4, 5]), ([2, 3, 4], [4, 5]), ([3, 4], [2, 4, 5])]
            as [([Int], [Int])]
        {
            let a = try testTensor(Shape(shapeA), device: device, seed: 5)
            let b = try testTensor(Shape(shapeB), device: device, seed: 6)
            let check = try gradientCheck([a, b]) { try $0[0].matmul($0[1]) }
            #expect(check.worstError < 1e-2, "\(shapeA) x \(shapeB): \(check)")
        }
    }
}
