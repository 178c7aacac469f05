import FoveaCore

/// Zeroes each element with probability `p` in training and scales the rest by 1/(1-p); identity in evaluation.
public final class Dropout: Module, UnaryLayer {
    public let p: Float
    /// The random stream masks are drawn from.
    public let generator: Generator

    /// `p` must be in [0, 1).
    public init(p: Float = 0.5, generator: Generator = .default) {
        precondition(p >= 0 && p < 1, "Dropout: p must be in [0, 1), got \(p)")
        self.p = p
        self.generator = generator
        super.init()
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        guard isTraining, p > 0 else { return input }
        return try input.dropout(p: p, generator: generator)
    }
}
