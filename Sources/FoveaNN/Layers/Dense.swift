import FoveaCore

/// A fully connected layer (PyTorch's Linear): y = x W^T + b, weight [out, in].
public final class Dense: Module {
    public let weight: Parameter
    public let bias: Parameter?
    public let inFeatures: Int, outFeatures: Int

    /// Weights and bias default to PyTorch's initialization, U(-1/sqrt(in), 1/sqrt(in)), drawn from `generator`.
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true,
                weightInitializer: Initializer = .pytorchDefault, biasInitializer: Initializer? = nil,
                generator: Generator = .default) throws {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        let shape = Shape([outFeatures, inFeatures])
        weight = Parameter(try weightInitializer.make(shape, generator: generator))
        let bound = 1 / Float(inFeatures).squareRoot()
        self.bias = bias ? Parameter(try (biasInitializer ?? .uniform(low: -bound, high: bound)).make([outFeatures], fans: (inFeatures, outFeatures), generator: generator)) : nil
        super.init()
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        guard input.rank >= 1, input.shape[input.rank - 1] == inFeatures else {
            throw FoveaError.invalidArgument("Dense(\(inFeatures) -> \(outFeatures)): input of shape \(input.shape) does not end in \(inFeatures) features")
        }
        return try input.linear(weight: weight.value, bias: bias?.value)
    }
}
