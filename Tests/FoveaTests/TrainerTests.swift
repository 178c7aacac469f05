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

    /// A functional model of one input and one output (with a skip connection) trains through the unary forward.
    @Test(arguments: testDevices)
    func fitTrainsAGraphModel(device: Device) throws {
        let generator = Generator(seed: 2)
        let x = Input(shape: [4])
        let h = try Tanh()(Dense(4, 4, generator: generator)(x))
        let model = try GraphModel(inputs: [x], outputs: [Dense(4, 2, generator: generator)(add([h, x]))]).to(device)
        let trainer = Trainer(model: model, optimizer: Adam(model.parameters, learningRate: 0.05))
        let train = try DataLoader(try Self.toyData(count: 256, seed: 3), batchSize: 32, seed: 1, device: device)
        let validation = try DataLoader(try Self.toyData(count: 128, seed: 4), batchSize: 64, shuffle: false, device: device)
        let history = try trainer.fit(train, validation: validation, epochs: 8)
        #expect(history.last!.trainLoss < history.first!.trainLoss)
        #expect(history.last!.validationAccuracy! > 0.9, "\(history.last!)")
    }
}

/// Callbacks, evaluation and prediction.
@Suite struct TrainerCallbackTests {
    /// Records a copy of the weights after every epoch.
    final class WeightRecorder: TrainingCallback {
        var weights: [[String: [Float]]] = []
        func epochDidEnd(_ trainer: Trainer, metrics: EpochMetrics) throws {
            weights.append(try TrainingFixtures.values(of: trainer.model))
        }
    }

    static func model(_ device: Device) throws -> Sequential {
        try TrainingFixtures.mlp(weights: TrainingFixtures.initialWeights(seed: 5), generator: Generator(seed: 1), device: device)
    }

    @Test(arguments: testDevices)
    func earlyStoppingRestoresTheBestEpochsWeights(device: Device) throws {
        let model = try Self.model(device)
        let recorder = WeightRecorder()
        let stopping = EarlyStopping(patience: 2, restoreBestWeights: true)
        let trainer = Trainer(
            model: model, optimizer: Adam(model.parameters, learningRate: 0.02), callbacks: [recorder, stopping])
        let data = try TrainingFixtures.threeClasses(count: 200, seed: 21)
        // Validation labels shifted by one class: the better the model learns, the worse the validation loss.
        let shifted = try data.relabeled(data.labels.map { ($0 + 1) % 3 }, classNames: data.classNames)
        let train = try DataLoader(data, batchSize: 20, seed: 1, device: device)
        let validation = try DataLoader(shifted, batchSize: 64, shuffle: false, device: device)
        let history = try trainer.fit(train, validation: validation, epochs: 20)

        let losses = history.map { $0.validationLoss! }
        let best = losses.indices.min { losses[$0] < losses[$1] }!
        #expect(stopping.bestEpoch == best)
        #expect(stopping.bestLoss == losses[best])
        #expect(history.count == best + 3, "stops 2 epochs after the best: \(losses)")
        #expect(history.count < 20)
        let restored = try TrainingFixtures.values(of: model)
        for (name, values) in recorder.weights[best] { #expect(restored[name]! == values, "\(name)") }
        #expect(restored != recorder.weights.last!)
        #expect(abs(try trainer.evaluate(validation).loss - losses[best]) < 1e-6)
    }

    @Test func earlyStoppingStartsAfreshOnEachFit() throws {
        let model = try Self.model(.cpu)
        let stopping = EarlyStopping(patience: 1)
        let trainer = Trainer(model: model, optimizer: SGD(model.parameters, learningRate: 0), callbacks: [stopping])
        let train = try DataLoader(try TrainingFixtures.threeClasses(count: 40, seed: 2), batchSize: 20, device: .cpu)
        #expect(try trainer.fit(train, validation: train, epochs: 5).count == 2)
        #expect(trainer.stopRequested)
        #expect(
            try trainer.fit(train, validation: train, epochs: 5).count == 4, "a second fit trains again and stops after 2 epochs")
    }

    @Test(arguments: testDevices)
    func schedulerCallbackChangesTheLearningRateEachEpoch(device: Device) throws {
        let model = try Self.model(device)
        let optimizer = SGD(model.parameters, learningRate: 0.1)
        let trainer = Trainer(
            model: model, optimizer: optimizer, callbacks: [SchedulerCallback(StepLR(optimizer, stepSize: 1, gamma: 0.5))])
        let train = try DataLoader(try TrainingFixtures.threeClasses(count: 64, seed: 2), batchSize: 32, device: device)
        let history = try trainer.fit(train, epochs: 3)
        #expect(history.map(\.learningRate) == [0.1, 0.05, 0.025])
        #expect(optimizer.learningRate == 0.0125)
    }

    @Test(arguments: testDevices)
    func predictGivesProbabilityRowsInEvaluationMode(device: Device) throws {
        let model = try Self.model(device)
        let trainer = Trainer(model: model, optimizer: SGD(model.parameters))
        let inputs = try testTensor([7, 4], device: device, seed: 9)
        let first = try trainer.predict(inputs), second = try trainer.predict(inputs)
        #expect(first.shape == [7, 3])
        let rows = try first.toArray()
        for row in 0..<7 {
            let probabilities = rows[row * 3..<row * 3 + 3]
            #expect(probabilities.allSatisfy { $0 > 0 && $0 < 1 })
            #expect(abs(probabilities.reduce(0, +) - 1) < 1e-5)
        }
        #expect(try second.toArray() == rows, "dropout is off while predicting")
        #expect(model.isTraining, "predict puts the training mode back")
    }

    @Test(arguments: testDevices)
    func evaluateMatchesAHandComputedLossAndAccuracy(device: Device) throws {
        let model = try Self.model(device)
        let trainer = Trainer(model: model, optimizer: SGD(model.parameters))
        let data = try TrainingFixtures.threeClasses(count: 90, seed: 4)
        // 90 samples in batches of 64: the uneven last batch must be weighted by its size.
        let result = try trainer.evaluate(try DataLoader(data, batchSize: 64, shuffle: false, device: device))

        let weights = TrainingFixtures.initialWeights(seed: 5)
        let (w1, b1, w2, b2) = (weights["1.weight"]!, weights["1.bias"]!, weights["4.weight"]!, weights["4.bias"]!)
        var lossSum = 0.0, correct = 0
        for sample in 0..<data.count {
            let (x, label) = data[sample]
            var hidden = [Double](repeating: 0, count: 32)
            for j in 0..<32 {
                var sum = Double(b1[j])
                for i in 0..<4 { sum += Double(w1[j * 4 + i]) * Double(x[i]) }
                hidden[j] = max(0, sum)
            }
            var logits = [Double](repeating: 0, count: 3)
            for k in 0..<3 {
                logits[k] = Double(b2[k])
                for j in 0..<32 { logits[k] += Double(w2[k * 32 + j]) * hidden[j] }
            }
            let largest = logits.max()!
            let logSum = largest + log(logits.map { exp($0 - largest) }.reduce(0, +))
            lossSum += logSum - logits[label]
            if logits.firstIndex(of: largest) == label { correct += 1 }
        }
        #expect(abs(Double(result.loss) - lossSum / 90) < 1e-5, "\(result.loss) vs \(lossSum / 90)")
        #expect(result.accuracy == Float(correct) / 90)
        #expect(model.isTraining)
    }
}
