import Foundation

/// A classifier's outputs over a data loader, read back to the host: class probabilities, the predicted classes
/// (`argmax`) and the true labels, in the loader's order, with each sample's index in the loader's data set.
public struct Predictions: Sendable {
    /// How many classes each row has.
    public let classes: Int
    /// Softmax probabilities, row after row ([samples, classes]).
    public let probabilities: [Float]
    /// The class of the highest probability, per sample.
    public let predicted: [Int]
    /// The true class, per sample (from the data set, whatever the targets' tensor type).
    public let labels: [Int]
    /// Each sample's index in the data set.
    public let indices: [Int]

    /// Runs `model` in evaluation mode without gradients over `loader`, or over its first `maxBatches` batches.
    /// Throws when the model's outputs are not [batch, classes] or a label is not one of those classes.
    public init(model: some UnaryLayer, loader: DataLoader, maxBatches: Int? = nil) throws {
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        var (classes, probabilities, predicted, labels, indices) = (0, [Float](), [Int](), [Int](), [Int]())
        var iterator = loader.batches(epoch: 0)
        let limit = maxBatches.map { $0 * loader.batchSize } ?? .max
        try withNoGrad {
            while indices.count < limit, let batch = try iterator.nextBatch() {
                let output = try model(batch.inputs)
                guard output.rank == 2, output.shape[0] == batch.indices.count else {
                    throw FoveaError.invalidArgument(
                        "Predictions: the model's output is \(output.shape); expected [\(batch.indices.count), classes]")
                }
                classes = output.shape[1]
                probabilities += try output.softmax(axis: -1).toArray()
                predicted += try output.argmax(axis: -1).toInt32Array().map { Int($0) }
                labels += batch.indices.map { loader.dataset.label(at: $0) }
                indices += batch.indices
            }
        }
        if let label = labels.first(where: { !(0..<classes).contains($0) }) {
            throw FoveaError.invalidArgument("Predictions: label \(label) is not one of the model's \(classes) classes")
        }
        (self.classes, self.probabilities, self.predicted, self.labels, self.indices) = (
            classes, probabilities, predicted, labels, indices
        )
    }

    /// How many samples there are.
    public var count: Int { labels.count }

    /// The probability of the predicted class of sample `row`.
    public func confidence(_ row: Int) -> Float { probabilities[row * classes + predicted[row]] }

    /// The rows whose prediction is wrong, the most confident first.
    public var mistakesByConfidence: [Int] {
        (0..<count).filter { predicted[$0] != labels[$0] }.sorted { confidence($0) > confidence($1) }
    }

    /// Whether the true class is among the `k` most probable, per sample.
    public func isInTop(_ k: Int) -> [Bool] {
        (0..<count).map { row in
            let scores = probabilities[row * classes..<(row + 1) * classes]
            let truth = scores[scores.startIndex + labels[row]]
            // Ties count in the true class's favour, as when it is ranked first among equals.
            return scores.filter { $0 > truth }.count < k
        }
    }
}
