/// What one output of a model of several outputs measured over an epoch or an evaluation.
public struct OutputMetrics: Codable, Sendable, Equatable {
    /// The mean of this output's own loss (before its weight).
    public var loss: Float
    /// The fraction of correct predictions, for an output of class-index targets; nil for a regression output.
    public var accuracy: Float?

    public init(loss: Float, accuracy: Float?) {
        self.loss = loss
        self.accuracy = accuracy
    }
}
