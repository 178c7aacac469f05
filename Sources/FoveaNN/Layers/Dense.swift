import FoveaCore

/// A fully connected layer (PyTorch's Linear): y = x W^T + b, weight [out, in].
///
/// `Dense(4, 2)` fixes both sizes; `Dense(outputs: 2)` takes the input size from its first call (PyTorch's
/// `LazyLinear`, Keras' `Dense(units)`).
public final class Dense: Module, UnaryLayer {
    public let weight: Parameter
    public let bias: Parameter?
    /// The input size (the weight's second axis): 0 until a layer made with `init(outputs:)` sees its first input
    /// or loads a state dict.
    public var inFeatures: Int { weight.shape[1] }
    public let outFeatures: Int
    /// How a lazy layer draws its parameters at its first call; nil once they are drawn.
    private var pending: LazyInitialization?

    /// Weights and bias default to PyTorch's initialization, U(-1/sqrt(in), 1/sqrt(in)), drawn from `generator`.
    /// Parameters are made on the CPU (move them with `to(_:)`), so this does not throw.
    public init(
        _ inFeatures: Int, _ outFeatures: Int, bias: Bool = true,
        weightInitializer: Initializer = .pytorchDefault, biasInitializer: Initializer? = nil,
        generator: Generator = .default
    ) {
        self.outFeatures = outFeatures
        let values = Initializer.weightAndBias(
            [outFeatures, inFeatures], weight: weightInitializer, bias: bias,
            biasInitializer: biasInitializer, generator: generator)
        weight = Parameter(values.weight)
        self.bias = values.bias.map(Parameter.init)
        super.init()
    }

    /// A layer whose input size is that of its first input's last axis; its parameters are drawn then, as
    /// `init(_:_:)` would draw them.
    public init(
        outputs: Int, bias: Bool = true, weightInitializer: Initializer = .pytorchDefault,
        biasInitializer: Initializer? = nil, generator: Generator = .default
    ) {
        outFeatures = outputs
        (weight, self.bias) = LazyInitialization.placeholders([outputs, 0], outputs: outputs, bias: bias)
        pending = LazyInitialization(weight: weightInitializer, bias: biasInitializer, generator: generator)
        super.init()
    }

    public func forward(_ input: Tensor) throws -> Tensor { try forward(input, activation: .identity) }

    /// The layer and `activation` as one op (`Tensor.linear(weight:bias:activation:)`); `Sequential` runs a `Dense`
    /// followed by a `ReLU`, `Sigmoid` or `Tanh` through it.
    public func forward(_ input: Tensor, activation: ConvolutionActivation) throws -> Tensor {
        if let pending, weight.value.count == 0, input.rank >= 1 {
            try pending.materialize([outFeatures, input.shape[input.rank - 1]], weight: weight, bias: bias)
            self.pending = nil
        }
        guard input.rank >= 1, input.shape[input.rank - 1] == inFeatures else {
            throw FoveaError.invalidArgument(
                "Dense(\(inFeatures) -> \(outFeatures)): input of shape \(input.shape) does not end in \(inFeatures) features")
        }
        return try input.linear(weight: weight.value, bias: bias?.value, activation: activation)
    }
}
