import FoveaCore

/// A loss: compares a model's output with targets and returns a 0-d tensor.
public protocol Loss {
    func callAsFunction(_ output: Tensor, _ target: Tensor) throws -> Tensor
}

/// Cross-entropy from logits [N, C] and class indices [N] (PyTorch's CrossEntropyLoss), fused with the softmax.
public struct CrossEntropyLoss: Loss {
    public var classWeights: Tensor?
    public var labelSmoothing: Float
    public init(classWeights: Tensor? = nil, labelSmoothing: Float = 0) {
        self.classWeights = classWeights
        self.labelSmoothing = labelSmoothing
    }
    public func callAsFunction(_ output: Tensor, _ target: Tensor) throws -> Tensor {
        try output.crossEntropy(targets: target, classWeights: classWeights, labelSmoothing: labelSmoothing)
    }

    /// The loss, adding batch * loss to `lossSum` and the correct predictions to `correct` in the same kernel
    /// (`Tensor.crossEntropy(targets:classWeights:labelSmoothing:accumulatingLossInto:correctInto:)`).
    public func callAsFunction(
        _ output: Tensor, _ target: Tensor, accumulatingLossInto lossSum: Tensor, correctInto correct: Tensor
    ) throws -> Tensor {
        try output.crossEntropy(
            targets: target, classWeights: classWeights, labelSmoothing: labelSmoothing,
            accumulatingLossInto: lossSum, correctInto: correct)
    }
}

/// Negative log-likelihood of log-probabilities [N, C] at class indices [N].
public struct NLLLoss: Loss {
    public var classWeights: Tensor?
    public init(classWeights: Tensor? = nil) { self.classWeights = classWeights }
    public func callAsFunction(_ output: Tensor, _ target: Tensor) throws -> Tensor {
        try output.nllLoss(targets: target, classWeights: classWeights)
    }
}

/// Binary cross-entropy on logits, in the stable form max(x, 0) - x t + log(1 + exp(-|x|)), averaged.
public struct BCEWithLogitsLoss: Loss {
    public init() {}
    public func callAsFunction(_ output: Tensor, _ target: Tensor) throws -> Tensor {
        try checkShapes(output, target, op: "BCEWithLogitsLoss")
        let softplus = try (try output.abs().neg().exp() + 1).log()
        return try (output.relu() - output * target + softplus).mean()
    }
}

/// Mean squared error: (1/n) sum (output - target)^2.
public struct MSELoss: Loss {
    public init() {}
    public func callAsFunction(_ output: Tensor, _ target: Tensor) throws -> Tensor {
        try checkShapes(output, target, op: "MSELoss")
        return try (output - target).square().mean()
    }
}

/// Mean absolute error.
public struct L1Loss: Loss {
    public init() {}
    public func callAsFunction(_ output: Tensor, _ target: Tensor) throws -> Tensor {
        try checkShapes(output, target, op: "L1Loss")
        return try (output - target).abs().mean()
    }
}

/// Huber loss: 0.5 d^2 where |d| < delta, delta (|d| - 0.5 delta) elsewhere, averaged.
public struct HuberLoss: Loss {
    public var delta: Float
    public init(delta: Float = 1) { self.delta = delta }
    public func callAsFunction(_ output: Tensor, _ target: Tensor) throws -> Tensor {
        try checkShapes(output, target, op: "HuberLoss")
        let distance = try (output - target).abs()
        let quadratic = try distance.clamp(max: delta)
        return try (quadratic.square() * 0.5 + (distance - quadratic) * delta).mean()
    }
}

private func checkShapes(_ output: Tensor, _ target: Tensor, op: String) throws {
    guard output.shape == target.shape else { throw FoveaError.shapeMismatch(op: op, output.shape, target.shape) }
}

/// Regularization terms to add to any loss.
public enum Penalty {
    /// lambda * sum |w| over the parameters.
    public static func l1(_ parameters: [Parameter], lambda: Float) throws -> Tensor {
        try sum(parameters) { try $0.abs().sum() } * lambda
    }

    /// lambda * sum w^2 over the parameters.
    public static func l2(_ parameters: [Parameter], lambda: Float) throws -> Tensor {
        try sum(parameters) { try $0.square().sum() } * lambda
    }

    private static func sum(_ parameters: [Parameter], _ term: (Tensor) throws -> Tensor) throws -> Tensor {
        guard let first = parameters.first else { throw FoveaError.invalidArgument("Penalty: no parameters") }
        return try parameters.dropFirst().reduce(try term(first.value)) { try $0 + term($1.value) }
    }
}
