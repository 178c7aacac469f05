import FoveaCore
import FoveaTestSupport
import Testing

/// `linear(..., activation:)`: the fully connected op and its activation in one (bias and activation applied by the
/// small GEMMs on PoCL, the composition elsewhere), equal to `linear` followed by the activation, forward and backward.
@Suite struct FusedLinearTests {
    @Test(arguments: testDevices)
    func reluOfALinearByHand(device: Device) throws {
        let x = try Tensor([1, -2, 3, -4], shape: [4, 1], device: device, requiresGrad: true)
        let w = try Tensor([2], shape: [1, 1], device: device, requiresGrad: true)
        let b = try Tensor([1], shape: [1], device: device, requiresGrad: true)
        // 2x + 1 = [3, -3, 7, -7]; ReLU keeps 3 and 7.
        let y = try x.linear(weight: w, bias: b, activation: .relu)
        #expect(try y.toArray() == [3, 0, 7, 0])
        try y.backward(try Tensor([1, 10, 100, 1000], shape: [4, 1], device: device))
        // The gradient passes where the output is positive (rows 0 and 2).
        #expect(try x.grad?.toArray() == [2, 0, 200, 0])
        #expect(try w.grad?.toArray() == [1 * 1 + 100 * 3])
        #expect(try b.grad?.toArray() == [101])
    }

    /// LeNet-5's Dense sizes, a 3-D input, sizes off gemm.cl's 2 x 4 tiles, one without bias, and one above 2^24
    /// multiply-adds (CLBlast and the composition on PoCL too).
    static let shapes: [(x: Shape, out: Int, bias: Bool)] = [
        ([8, 400], 120, true), ([2, 3, 7], 5, true), ([5, 9], 3, false), ([300, 260], 240, true),
    ]

    @Test(arguments: testDevices)
    func matchesTheLinearThenTheActivation(device: Device) throws {
        for activation in ConvolutionActivation.allCases {
            for (index, c) in Self.shapes.enumerated() {
                func run(fused: Bool) throws -> [[Float]] {
                    let x = try testTensor(c.x, device: device, seed: 71, requiresGrad: true)
                    let w = try testTensor([c.out, c.x[c.x.rank - 1]], device: device, seed: 72, requiresGrad: true)
                    let b = c.bias ? try testTensor([c.out], device: device, seed: 73, requiresGrad: true) : nil
                    let y =
                        fused
                        ? try x.linear(weight: w, bias: b, activation: activation)
                        : try composedActivation(activation, of: x.linear(weight: w, bias: b))
                    try y.backward(try testTensor(y.shape, device: device, seed: 74))
                    return try [y.toArray(), x.grad!.toArray(), w.grad!.toArray()] + (b.map { [try $0.grad!.toArray()] } ?? [])
                }
                let fused = try run(fused: true), composed = try run(fused: false)
                for (part, name) in zip(zip(fused, composed), ["output", "input gradient", "weight gradient", "bias gradient"]) {
                    #expect(
                        allClose(part.0, part.1, atol: 1e-4),
                        "\(activation) shape \(index) \(name): \(maxAbsDifference(part.0, part.1))")
                }
            }
        }
    }

    @Test(arguments: testDevices)
    func gradientsMatchFiniteDifferences(device: Device) throws {
        for activation in ConvolutionActivation.allCases where activation != .relu {
            let x = try testTensor([4, 6], device: device, seed: 81)
            let w = try testTensor([5, 6], device: device, seed: 82)
            let b = try testTensor([5], device: device, seed: 83)
            let check = try gradientCheck([x, w, b]) { try $0[0].linear(weight: $0[1], bias: $0[2], activation: activation) }
            #expect(check.worstError < 1e-2, "\(activation): \(check)")
        }
    }

    /// Positive inputs and weights with biases +1 and -30 keep feature 0 above 1 and feature 1 below -3, away from
    /// ReLU's kink, which central differences would straddle.
    @Test(arguments: testDevices)
    func reluGradientsMatchFiniteDifferencesAwayFromTheKink(device: Device) throws {
        let x = try testTensor([3, 6], device: device, seed: 84, low: 0, high: 1)
        let w = try testTensor([2, 6], device: device, seed: 85, low: 0, high: 1)
        let b = try Tensor([1, -30], device: device)
        let check = try gradientCheck([x, w, b]) { try $0[0].linear(weight: $0[1], bias: $0[2], activation: .relu) }
        #expect(check.worstError < 1e-2, "\(check)")
    }
}
