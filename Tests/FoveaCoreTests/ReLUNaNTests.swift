import FoveaCore
import FoveaTestSupport
import Testing

/// ReLU keeps a NaN a NaN, as PyTorch's does (`torch.relu(nan)` is nan, where max(x, 0) would give 0), on every path
/// that applies it: the op itself and the ReLU fused into a convolution, a fully connected op, batch norm (both modes)
/// and a ReLU RNN. Otherwise a NaN would vanish before `TerminateOnNaN` could see it in the loss.
@Suite struct ReLUNaNTests {
    static let nan = Float.nan

    /// [0, NaN, v, 0] for an input [negative, NaN, v > 0, negative].
    private func expectReLUOfNaN(_ values: [Float], _ positive: Float, _ path: String) {
        #expect(values.count == 4, "\(path): \(values)")
        guard values.count == 4 else { return }
        #expect(values[0] == 0 && values[1].isNaN && abs(values[2] - positive) < 1e-4 && values[3] == 0, "\(path): \(values)")
    }

    @Test(arguments: testDevices)
    func aNaNStaysANaNThroughEveryReLU(device: Device) throws {
        let values: [Float] = [-1, Self.nan, 2, -3]
        let one = try Tensor([1], shape: [1, 1], device: device)
        expectReLUOfNaN(try Tensor(values, device: device).relu().toArray(), 2, "relu")
        let image = try Tensor(values, shape: [1, 1, 2, 2], device: device)
        let conv = try image.conv2d(weight: one.reshaped(1, 1, 1, 1), activation: .relu)
        expectReLUOfNaN(try conv.toArray(), 2, "conv2d+relu")
        let rows = try Tensor(values, shape: [4, 1], device: device)
        let linear = try rows.linear(weight: one, bias: Tensor([0], device: device), activation: .relu)
        expectReLUOfNaN(try linear.toArray(), 2, "linear+relu")
        let evaluated = try image.batchNorm(
            weight: nil, bias: nil, runningMean: Tensor([0], device: device), runningVar: Tensor([1], device: device),
            training: false, eps: 0, relu: true)
        expectReLUOfNaN(try evaluated.toArray(), 2, "batchNorm+relu (evaluation)")
        let residual = try image.batchNorm(
            weight: nil, bias: nil, runningMean: Tensor([0], device: device), runningVar: Tensor([1], device: device),
            training: false, eps: 0, residual: Tensor([0, 0, 0, 0], shape: [1, 1, 2, 2], device: device), relu: true)
        expectReLUOfNaN(try residual.toArray(), 2, "batchNorm+residual+relu")
        // In training a NaN makes its channel's statistics NaN, so every output of the channel is NaN.
        let trained = try image.batchNorm(weight: nil, bias: nil, runningMean: nil, runningVar: nil, training: true, relu: true)
        let trainedValues = try trained.toArray()
        #expect(trainedValues.allSatisfy { $0.isNaN }, "batchNorm+relu (training): \(trainedValues)")
        // A ReLU RNN of one unit with identity weights: h_t = relu(x_t + h_{t-1}) from h_0 = 0, over one step each.
        let (output, _) = try Tensor.recurrent(
            .rnnRelu, input: Tensor(values, shape: [1, 4, 1], device: device),
            initialState: [Tensor([0, 0, 0, 0], shape: [4, 1], device: device)], weightIH: one, weightHH: one,
            biasIH: nil, biasHH: nil)
        expectReLUOfNaN(try output.toArray(), 2, "RNN relu")
    }

    /// Where the input was NaN the ReLU's gradient is 0, as PyTorch's (the gradient passes only where x > 0).
    @Test(arguments: testDevices)
    func theGradientAtANaNIsZero(device: Device) throws {
        let x = try Tensor([-1, Self.nan, 2, -3], device: device, requiresGrad: true)
        try x.relu().backward(try Tensor([10, 20, 30, 40], device: device))
        #expect(try x.grad?.toArray() == [0, 0, 30, 0])
    }
}
