import FoveaCore

/// A 2-D convolution over NCHW input; weight [out, in / groups, kh, kw] as in PyTorch.
public final class Conv2D: Module {
    public let weight: Parameter
    public let bias: Parameter?
    public let inChannels: Int, outChannels: Int
    public let kernelSize: Size2D, stride: Size2D, padding: Padding, dilation: Size2D, groups: Int

    /// Weights and bias default to PyTorch's initialization, U(-1/sqrt(fanIn), 1/sqrt(fanIn)), drawn from `generator`.
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Size2D, stride: Size2D = 1, padding: Padding = .valid,
                dilation: Size2D = 1, groups: Int = 1, bias: Bool = true, weightInitializer: Initializer = .pytorchDefault,
                generator: Generator = .default) throws {
        guard groups > 0, inChannels % groups == 0, outChannels % groups == 0 else {
            throw FoveaError.invalidArgument("Conv2D: \(inChannels) input and \(outChannels) output channels are not divisible by groups=\(groups)")
        }
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernelSize = kernelSize; self.stride = stride; self.padding = padding; self.dilation = dilation; self.groups = groups
        let shape = Shape([outChannels, inChannels / groups, kernelSize.height, kernelSize.width])
        weight = Parameter(try weightInitializer.make(shape, generator: generator))
        let fanIn = Initializer.fans(shape).fanIn
        let bound = 1 / Float(fanIn).squareRoot()
        self.bias = bias ? Parameter(try Initializer.uniform(low: -bound, high: bound).make([outChannels], generator: generator)) : nil
        super.init()
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        try input.conv2d(weight: weight.value, bias: bias?.value, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}
