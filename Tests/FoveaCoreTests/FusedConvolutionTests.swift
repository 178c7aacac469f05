import FoveaCore
import FoveaTestSupport
import Testing

/// `conv2d(..., activation:)`: the convolution and its activation in one op (fused kernels on OpenCL, the composition
/// on the CPU backend), equal to `conv2d` followed by the activation, forward and backward.
@Suite struct FusedConvolutionTests {
    @Test(arguments: testDevices)
    func reluOfAOneByOneConvolutionByHand(device: Device) throws {
        let x = try Tensor([1, -2, 3, -4], shape: [1, 1, 2, 2], device: device, requiresGrad: true)
        let w = try Tensor([2], shape: [1, 1, 1, 1], device: device, requiresGrad: true)
        let b = try Tensor([1], shape: [1], device: device, requiresGrad: true)
        // 2x + 1 = [3, -3, 7, -7]; ReLU keeps 3 and 7.
        let y = try x.conv2d(weight: w, bias: b, activation: .relu)
        #expect(try y.toArray() == [3, 0, 7, 0])
        try y.backward(try Tensor([1, 10, 100, 1000], shape: [1, 1, 2, 2], device: device))
        // The gradient passes where the output is positive (elements 0 and 2).
        #expect(try x.grad?.toArray() == [2, 0, 200, 0])
        #expect(try w.grad?.toArray() == [1 * 1 + 100 * 3])
        #expect(try b.grad?.toArray() == [101])
    }

    /// Shapes that take the direct kernels (stride 1 and 2, with and without bias) and im2col + GEMM (groups 2).
    static let shapes: [(x: Shape, w: Shape, stride: Size2D, padding: Padding, groups: Int, bias: Bool)] = [
        ([2, 3, 7, 9], [4, 3, 3, 3], 1, 1, 1, true),
        ([3, 2, 8, 8], [5, 2, 5, 5], 1, 2, 1, true),
        ([2, 4, 9, 7], [3, 4, 3, 3], 2, 1, 1, false),
        ([2, 4, 6, 6], [6, 2, 3, 3], 1, 1, 2, true),
    ]

    @Test(arguments: testDevices)
    func matchesTheConvolutionThenTheActivation(device: Device) throws {
        for activation in ConvolutionActivation.allCases {
            for (index, c) in Self.shapes.enumerated() {
                func run(fused: Bool) throws -> [[Float]] {
                    let x = try testTensor(c.x, device: device, seed: 51, requiresGrad: true)
                    let w = try testTensor(c.w, device: device, seed: 52, requiresGrad: true)
                    let b = c.bias ? try testTensor([c.w[0]], device: device, seed: 53, requiresGrad: true) : nil
                    let y =
                        fused
                        ? try x.conv2d(
                            weight: w, bias: b, stride: c.stride, padding: c.padding, groups: c.groups, activation: activation)
                        : try composedActivation(
                            activation,
                            of: x.conv2d(weight: w, bias: b, stride: c.stride, padding: c.padding, groups: c.groups))
                    try y.backward(try testTensor(y.shape, device: device, seed: 54))
                    return try [y.toArray(), x.grad!.toArray(), w.grad!.toArray()] + (b.map { [try $0.grad!.toArray()] } ?? [])
                }
                let fused = try run(fused: true), composed = try run(fused: false)
                for (part, name) in zip(zip(fused, composed), ["output", "input gradient", "weight gradient", "bias gradient"]) {
                    #expect(allClose(part.0, part.1), "\(activation) shape \(index) \(name): \(maxAbsDifference(part.0, part.1))")
                }
            }
        }
    }

    @Test(arguments: testDevices)
    func gradientsMatchFiniteDifferences(device: Device) throws {
        for activation in ConvolutionActivation.allCases where activation != .relu {
            for c in Self.shapes.prefix(3) {
                let x = try testTensor(c.x, device: device, seed: 61)
                let w = try testTensor(c.w, device: device, seed: 62)
                let b = try testTensor([c.w[0]], device: device, seed: 63)
                let check = try gradientCheck([x, w, b]) {
                    try $0[0].conv2d(weight: $0[1], bias: $0[2], stride: c.stride, padding: c.padding, activation: activation)
                }
                #expect(check.worstError < 1e-2, "\(activation) \(c.x) * \(c.w): \(check)")
            }
        }
    }

    /// ReLU has a kink at 0 that central differences straddle: positive inputs and weights with biases +1 and -30 keep
    /// channel 0 above 1 (the gradient passes) and channel 1 below -3 (it is blocked) at every pixel.
    @Test(arguments: testDevices)
    func reluGradientsMatchFiniteDifferencesAwayFromTheKink(device: Device) throws {
        let x = try testTensor([2, 3, 5, 5], device: device, seed: 64, low: 0, high: 1)
        let w = try testTensor([2, 3, 3, 3], device: device, seed: 65, low: 0, high: 1)
        let b = try Tensor([1, -30], device: device)
        let check = try gradientCheck([x, w, b]) { try $0[0].conv2d(weight: $0[1], bias: $0[2], padding: 1, activation: .relu) }
        #expect(check.worstError < 1e-2, "\(check)")
    }
}
