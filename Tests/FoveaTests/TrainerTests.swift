import Foundation
import Fovea
import FoveaTestSupport
import Testing

@Suite struct TrainerTests {
    /// A tiny separable problem: class = which of the first two features is larger.
    static func toyData(count: Int, seed: UInt64) throws -> InMemoryDataset {
        let values = testValues(count * 4, seed: seed)
        let labels = (0..<count).map { Int32(values[$0 * 4] > values[$0 * 4 + 1] ? 1 : 0) }
        return try InMemoryDataset(features: values, labels: labels, sampleShape: [4], classNames: ["a", "b"])
    }

    @Test(arguments: testDevices)
    func fitLearnsAToyProblemAndReportsMetrics(device: Device) throws {
        manualSeed(1)
        let model = try Models.mlp(inputFeatures: 4, hidden: [16], classes: 2)
        try model.to(device)
        let trainer = Trainer(model: model, optimizer: Adam(model.parameters, learningRate: 0.05))
        let train = try DataLoader(try Self.toyData(count: 256, seed: 3), batchSize: 32, seed: 1, device: device)
        let validation = try DataLoader(try Self.toyData(count: 128, seed: 4), batchSize: 64, shuffle: false, device: device)
        let history = try trainer.fit(train, validation: validation, epochs: 8)
        #expect(history.count == 8)
        #expect(history.last!.trainLoss < history.first!.trainLoss)
        #expect(history.last!.validationAccuracy! > 0.9, "\(history.last!)")
    }
}
