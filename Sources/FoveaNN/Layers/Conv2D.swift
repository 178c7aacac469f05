import FoveaCore

/// A 2-D convolution over NCHW input; weight [out, in / groups, kh, kw] as in PyTorch.
///
/// `Conv2D(3, 16, kernelSize: 3)` fixes the channels; `Conv2D(outputs: 16, kernelSize: 3)` takes the input
/// channels from its first call (PyTorch's `LazyConv2d`).
public final class Conv2D: Module, UnaryLayer {
    public let weight: Parameter
    public let bias: Parameter?
    /// The input channels (from the weight's shape): 0 until a layer made with `init(outputs:kernelSize:...)` sees its
    /// first input or loads a state dict.
    public var inChannels: Int { weight.shape[1] * groups }
    public let outChannels: Int
    public let kernelSize: Size2D, stride: Size2D, padding: Padding, dilation: Size2D, groups: Int
    /// How a lazy layer draws its parameters at its first call; nil once they are drawn.
    private var pending: LazyInitialization?

    /// Weights and bias default to PyTorch's initialization, U(-1/sqrt(fanIn), 1/sqrt(fanIn)), drawn from `generator`.
    /// Parameters are made on the CPU (move them with `to(_:)`). The channels must be divisible by `groups`.
    public init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: Size2D, stride: Size2D = 1, padding: Padding = .valid,
        dilation: Size2D = 1, groups: Int = 1, bias: Bool = true, weightInitializer: Initializer = .pytorchDefault,
        generator: Generator = .default
    ) {
        precondition(
            Self.divisible(inChannels, outChannels, groups),
            "Conv2D: \(inChannels) input and \(outChannels) output channels are not divisible by groups=\(groups)")
        self.outChannels = outChannels
        self.kernelSize = kernelSize; self.stride = stride; self.padding = padding; self.dilation = dilation; self.groups = groups
        let shape = Shape([outChannels, inChannels / groups, kernelSize.height, kernelSize.width])
        let values = Initializer.weightAndBias(shape, weight: weightInitializer, bias: bias, generator: generator)
        weight = Parameter(values.weight)
        self.bias = values.bias.map(Parameter.init)
        super.init()
    }

    /// A convolution whose input channels are those of its first input (axis 1); its parameters are drawn then,
    /// as `init(_:_:kernelSize:...)` would draw them.
    public init(
        outputs: Int, kernelSize: Size2D, stride: Size2D = 1, padding: Padding = .valid, dilation: Size2D = 1,
        groups: Int = 1, bias: Bool = true, weightInitializer: Initializer = .pytorchDefault, generator: Generator = .default
    ) {
        precondition(
            Self.divisible(groups, outputs, groups), "Conv2D: \(outputs) output channels are not divisible by groups=\(groups)")
        outChannels = outputs
        self.kernelSize = kernelSize; self.stride = stride; self.padding = padding; self.dilation = dilation; self.groups = groups
        (weight, self.bias) = LazyInitialization.placeholders(
            [outputs, 0, kernelSize.height, kernelSize.width], outputs: outputs, bias: bias)
        pending = LazyInitialization(weight: weightInitializer, bias: nil, generator: generator)
        super.init()
    }

    public func forward(_ input: Tensor) throws -> Tensor { try forward(input, activation: .identity) }

    /// The layer's output through `activation`, applied in the same pass (`Sequential` runs a Conv2D followed by a
    /// ReLU, Sigmoid or Tanh layer this way).
    public func forward(_ input: Tensor, activation: ConvolutionActivation) throws -> Tensor {
        if let pending, weight.value.count == 0, input.rank == 4 {
            let channels = input.shape[1]
            guard Self.divisible(channels, outChannels, groups) else {
                throw FoveaError.invalidArgument(
                    "Conv2D(outputs: \(outChannels)): \(channels) input channels are not divisible by groups=\(groups)")
            }
            try pending.materialize(
                [outChannels, channels / groups, kernelSize.height, kernelSize.width], weight: weight, bias: bias)
            self.pending = nil
        }
        return try input.conv2d(
            weight: weight.value, bias: bias?.value, stride: stride, padding: padding, dilation: dilation,
            groups: groups, activation: activation)
    }

    private static func divisible(_ inChannels: Int, _ outChannels: Int, _ groups: Int) -> Bool {
        groups > 0 && inChannels % groups == 0 && outChannels % groups == 0
    }
}
