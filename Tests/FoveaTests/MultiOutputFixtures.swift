import Foundation
import Fovea
import FoveaTestSupport

/// A problem of two inputs and two outputs, and a functional model for it, shared by the multi-output trainer tests.
enum MultiOutputFixtures {
    /// `count` samples of `features` [4] and `extra` [3] in [-1, 1): the class (0, 1 or 2) says which of features[0],
    /// features[1] and extra[0] is largest; the value is features[2] + extra[1] - extra[2], halved.
    static func data(count: Int, seed: UInt64) throws -> InMemoryMultiTensorDataset {
        let features = testValues(count * 4, seed: seed), extra = testValues(count * 3, seed: seed + 1)
        let labels = (0..<count).map { row -> Int32 in
            let candidates = [features[row * 4], features[row * 4 + 1], extra[row * 3]]
            return Int32(candidates.firstIndex(of: candidates.max()!)!)
        }
        let values = (0..<count).map { row -> Float in
            let sum: Float = features[row * 4 + 2] + extra[row * 3 + 1] - extra[row * 3 + 2]
            return sum / 2
        }
        return try InMemoryMultiTensorDataset(
            inputs: [(features, [4]), (extra, [3])],
            targets: [.classes(labels), .values(values, shape: [1])])
    }

    /// Each input projected to 8 units, one shared Dense + tanh applied to both projections (one set of weights), the
    /// two concatenated (then dropout drawing from `dropout`), and two heads: 3 class logits ("classes") and one value
    /// ("value"). Weights are drawn from `seed`.
    static func model(seed: UInt64, dropout: Generator? = nil) throws -> GraphModel {
        let generator = Generator(seed: seed)
        let features = Input(shape: [4], name: "features"), extra = Input(shape: [3], name: "extra")
        let shared = Dense(8, 8, generator: generator), tanh = Tanh()
        let a = try tanh(shared(Dense(4, 8, generator: generator)(features)))
        let b = try tanh(shared(Dense(3, 8, generator: generator)(extra)))
        var joined = try concatenate([a, b])
        if let dropout { joined = try Dropout(p: 0.2, generator: dropout)(joined) }
        return try GraphModel(
            inputs: [features, extra],
            outputs: [
                Dense(16, 3, generator: generator)(joined, name: "classes"),
                Dense(16, 1, generator: generator)(joined, name: "value"),
            ])
    }

    /// A trainer of `model` with cross-entropy on the classes and half-weighted MSE on the value.
    static func trainer(_ model: GraphModel, optimizer: Optimizer, callbacks: [TrainingCallback] = []) throws -> Trainer {
        try Trainer(
            model: model, optimizer: optimizer, losses: [CrossEntropyLoss(), MSELoss()], lossWeights: [1, 0.5],
            callbacks: callbacks)
    }
}
