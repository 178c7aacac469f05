import FoveaCore
import FoveaTestSupport
import Testing

@Suite struct LinearTests {
    @Test(arguments: testDevices)
    func linearMatchesHandComputedValues(device: Device) throws {
        let x = try Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3], device: device)
        let w = try Tensor([1, 0, -1, 2, 1, 0], shape: [2, 3], device: device)
        let b = try Tensor([0.5, -1], device: device)
        // Row 1: [1-3, 2+2] + b = [-1.5, 3]; row 2: [4-6, 8+5] + b = [-1.5, 12]
        #expect(try x.linear(weight: w, bias: b).toArray() == [-1.5, 3, -1.5, 12])
        #expect(try x.linear(weight: w).toArray() == [-2, 4, -2, 13])
        #expect(throws: FoveaError.shapeMismatch(op: "linear", [2, 3], [3, 2])) { try x.linear(weight: w.transposed()) }
    }

    @Test(arguments: testDevices)
    func linearGradients(device: Device) throws {
        let x = try testTensor([7, 5], device: device, seed: 1)
        let w = try testTensor([3, 5], device: device, seed: 2)
        let b = try testTensor([3], device: device, seed: 3)
        let check = try gradientCheck([x, w, b]) { try $0[0].linear(weight: $0[1], bias: $0[2]) }
        #expect(check.worstError < 1e-2, "\(check)")
    }
}
