import FoveaCore

/// Every backend the tests run on: the CPU, plus OpenCL device 0 (PoCL in CI) when there is one.
public let testDevices: [Device] = {
    OpenCLRuntime.listDevices().devices.isEmpty ? [.cpu] : [.cpu, .opencl(0)]
}()

/// Largest absolute difference between two arrays (infinity when their sizes differ).
public func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// True when every pair is within `atol + rtol * |b|`.
public func allClose(_ a: [Float], _ b: [Float], atol: Float = 1e-5, rtol: Float = 1e-4) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= atol + rtol * abs($1) }
}

/// Deterministic pseudo-random values in [low, high) for test inputs (not the engine's generator).
public func testValues(_ count: Int, seed: UInt64 = 1, low: Float = -1, high: Float = 1) -> [Float] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    return (0..<count).map { _ in
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return low + (high - low) * Float(state >> 40) / Float(1 << 24)
    }
}

/// A tensor of test values on `device`.
public func testTensor(
    _ shape: Shape, device: Device, seed: UInt64 = 1, low: Float = -1, high: Float = 1,
    requiresGrad: Bool = false
) throws -> Tensor {
    try Tensor(
        testValues(shape.count, seed: seed, low: low, high: high), shape: shape, device: device, requiresGrad: requiresGrad)
}
