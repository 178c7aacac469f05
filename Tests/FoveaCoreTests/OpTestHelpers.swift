import FoveaCore
import FoveaTestSupport
import Testing

/// The OpenCL devices among `testDevices` (empty without OpenCL).
let openCLTestDevices = testDevices.filter { $0 != .cpu }

/// Test values in [-1.1, -0.1] ∪ [0.1, 1.1]: at least 0.1 away from the kinks at 0 (relu, abs, leakyRelu, elu, clamp at 0).
func tensorAwayFromZero(_ shape: Shape, device: Device, seed: UInt64) throws -> Tensor {
    let values = testValues(shape.count, seed: seed).map { $0 + ($0 < 0 ? -0.1 : 0.1) }
    return try Tensor(values, shape: shape, device: device)
}

/// Distinct values 0.1 apart in a scrambled order, so max/min have no ties even after finite-difference nudges.
func tensorOfDistinctValues(_ shape: Shape, device: Device) throws -> Tensor {
    let n = shape.count
    var step = 7
    while gcd(step, n) != 1 { step += 1 }
    return try Tensor((0..<n).map { Float(($0 * step) % n) * 0.1 - 1 }, shape: shape, device: device)
}

private func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

/// Expects `f` to give the same values on the CPU and on `device` for the same inputs.
func expectBackendsAgree(
    _ inputs: [Tensor], on device: Device, atol: Float = 1e-5, rtol: Float = 1e-4,
    _ label: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ f: ([Tensor]) throws -> Tensor
) throws {
    let cpu = try f(inputs.map { try $0.to(.cpu) })
    let other = try f(inputs.map { try $0.to(device) })
    #expect(cpu.shape == other.shape && cpu.dtype == other.dtype, "\(label)", sourceLocation: sourceLocation)
    let a = try cpu.to(dtype: .float32).toArray(), b = try other.to(dtype: .float32).toArray()
    #expect(
        allClose(b, a, atol: atol, rtol: rtol), "\(label): max difference \(maxAbsDifference(a, b))",
        sourceLocation: sourceLocation)
}

/// Expects `values` to match `expected` within a tolerance fit for Float32 transcendental functions.
func expectValues(
    _ tensor: Tensor, _ expected: [Float], atol: Float = 1e-5, rtol: Float = 1e-5,
    _ label: String = "", sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let values = try tensor.toArray()
    #expect(
        allClose(values, expected, atol: atol, rtol: rtol), "\(label) got \(values), expected \(expected)",
        sourceLocation: sourceLocation)
}
