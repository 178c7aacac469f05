import Foundation
import Fovea
import FoveaTestSupport

/// Small problems, models and folders shared by the Fovea tests.
enum TrainingFixtures {
    /// A three-class problem on 4 features: the class is the index of the largest of the first three features.
    static func threeClasses(count: Int, seed: UInt64) throws -> InMemoryDataset {
        let values = testValues(count * 4, seed: seed)
        let labels = (0..<count).map { row -> Int32 in
            let first = values[row * 4..<row * 4 + 3]
            return Int32(first.firstIndex(of: first.max()!)! - row * 4)
        }
        return try InMemoryDataset(features: values, labels: labels, sampleShape: [4], classNames: ["a", "b", "c"])
    }

    /// 4 -> 32 -> Dropout -> 3 with weights from `weights` (copied), dropout drawing from `generator`.
    /// Tests run in parallel and share `Generator.default`, so reproducible runs keep their own generator.
    static func mlp(weights: [String: [Float]], generator: Generator, device: Device) throws -> Sequential {
        let model = Sequential {
            Flatten()
            Dense(4, 32)
            ReLU()
            Dropout(p: 0.3, generator: generator)
            Dense(32, 3)
        }
        try model.loadStateDict(try copies(weights, shapesFrom: model))
        try model.to(device)
        return model
    }

    /// The initial weights of `mlp`, fixed by a test-values seed.
    static func initialWeights(seed: UInt64) -> [String: [Float]] {
        [
            "1.weight": testValues(32 * 4, seed: seed, low: -0.5, high: 0.5),
            "1.bias": testValues(32, seed: seed + 1, low: -0.5, high: 0.5),
            "4.weight": testValues(3 * 32, seed: seed + 2, low: -0.2, high: 0.2),
            "4.bias": testValues(3, seed: seed + 3, low: -0.2, high: 0.2),
        ]
    }

    /// Fresh host tensors holding `values`, shaped like `model`'s state dict.
    static func copies(_ values: [String: [Float]], shapesFrom model: Module) throws -> [String: Tensor] {
        var state: [String: Tensor] = [:]
        for (name, tensor) in model.stateDict() {
            state[name] = try Tensor(values[name] ?? tensor.toArray(), shape: tensor.shape)
        }
        return state
    }

    /// Every state-dict tensor of `model` as host values.
    static func values(of model: Module) throws -> [String: [Float]] {
        var result: [String: [Float]] = [:]
        for (name, tensor) in model.stateDict() { result[name] = try tensor.toArray() }
        return result
    }

    /// A fresh empty directory under the temporary directory, removed by the caller.
    static func temporaryDirectory(_ label: String = #function) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("fovea-\(label.filter { $0.isLetter || $0.isNumber })-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
