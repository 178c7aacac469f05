import Foundation
import FoveaTestSupport
import Testing

@testable import Fovea
@testable import FoveaData

/// `Trainer` on a functional model of two inputs and two outputs (a classification and a regression head), with a
/// weighted loss per output.
@Suite struct MultiOutputTrainerTests {
    @Test(arguments: testDevices)
    func twoInputsTwoOutputsTrainAndTheLossFalls(device: Device) throws {
        let model = try MultiOutputFixtures.model(seed: 2).to(device)
        let trainer = try MultiOutputFixtures.trainer(model, optimizer: Adam(model.parameters, learningRate: 0.02))
        let train = try DataLoader(try MultiOutputFixtures.data(count: 256, seed: 3), batchSize: 32, seed: 1, device: device)
        let validation = try DataLoader(
            try MultiOutputFixtures.data(count: 128, seed: 7), batchSize: 64, shuffle: false, device: device)
        let history = try trainer.fit(train, validation: validation, epochs: 8)
        let first = history.first!, last = history.last!
        #expect(last.trainLoss < first.trainLoss * 0.6, "\(first.trainLoss) -> \(last.trainLoss)")
        let (before, after) = (try #require(first.trainOutputs), try #require(last.trainOutputs))
        #expect(after[0].loss < before[0].loss && after[1].loss < before[1].loss, "\(before) -> \(after)")
        #expect(after[1].accuracy == nil && last.trainAccuracy == 0, "a regression output has no accuracy")
        let checked = try #require(last.validationOutputs)
        #expect(try #require(checked[0].accuracy) > 0.75, "\(checked)")
        #expect(abs(last.validationLoss! - (checked[0].loss + 0.5 * checked[1].loss)) < 1e-5, "the total is the weighted sum")
    }

    /// The loss the trainer minimizes (weighted cross-entropy plus MSE through the shared layer and both branches) has
    /// the gradients finite differences give, for the inputs and every parameter.
    @Test(arguments: testDevices)
    func theWeightedLossHasFiniteDifferenceGradients(device: Device) throws {
        let model = try MultiOutputFixtures.model(seed: 4).to(device)
        let trainer = try MultiOutputFixtures.trainer(model, optimizer: SGD(model.parameters))
        let labels = try Tensor(indices: [0, 2, 1, 1, 0], device: device),
            values = try testTensor([5, 1], device: device, seed: 3)
        let inputs = [try testTensor([5, 4], device: device, seed: 1), try testTensor([5, 3], device: device, seed: 2)]
        let result = try gradientCheck(inputs + model.parameters.map(\.value)) { tensors in
            let totals = try RunningTotals(device: device, outputs: [.classIndex, .values([1])])
            let batch = Batch(allInputs: Array(tensors[0..<2]), allTargets: [labels, values], indices: Array(0..<5))
            return try trainer.objective.loss(on: batch, adding: totals)
        }
        #expect(result.worstError < 1e-2, "\(result)")
    }

    /// logits = a (an identity Dense), value = 2 b + 0.5, on four samples in batches of 3 and 1.
    static func handCheckedCase(_ device: Device) throws -> (Trainer, DataLoader) {
        let a = Input(shape: [2]), b = Input(shape: [1])
        let model = try GraphModel(inputs: [a, b], outputs: [Dense(2, 2)(a, name: "classes"), Dense(1, 1)(b, name: "value")])
        try model.loadStateDict([
            "classes.weight": Tensor([1, 0, 0, 1], shape: [2, 2]), "classes.bias": Tensor([0, 0], shape: [2]),
            "value.weight": Tensor([2], shape: [1, 1]), "value.bias": Tensor([0.5], shape: [1]),
        ])
        try model.to(device)
        let data = try InMemoryMultiTensorDataset(
            inputs: [([1, 0, 0, 2, 3, 1, 0.5, 1.5], [2]), ([0, 1, -1, 0.25], [1])],
            targets: [.classes([0, 0, 0, 1]), .values([1, 2, -1, 1], shape: [1])])
        let trainer = try MultiOutputFixtures.trainer(model, optimizer: SGD(model.parameters, learningRate: 0))
        return (trainer, try DataLoader(data, batchSize: 3, shuffle: false, device: device))
    }

    @Test(arguments: testDevices)
    func perOutputMetricsMatchAHandComputedCase(device: Device) throws {
        let (trainer, loader) = try Self.handCheckedCase(device)
        // Cross-entropy log(e^x0 + e^x1) - x_label of logits (1, 0), (0, 2), (3, 1), (0.5, 1.5); samples 0, 2, 3 right.
        let crossEntropy = (log(1 + exp(-1.0)) + log(1 + exp(2.0)) + log(1 + exp(-2.0)) + log(1 + exp(-1.0))) / 4
        // Values 0.5, 2.5, -1.5, 1 against 1, 2, -1, 1.
        let squaredError = (0.25 + 0.25 + 0.25 + 0) / 4.0
        let expected = [
            OutputMetrics(loss: Float(crossEntropy), accuracy: 0.75), OutputMetrics(loss: Float(squaredError), accuracy: nil),
        ]
        func expectExpected(_ outputs: [OutputMetrics]?, total: Float?) {
            #expect(outputs?.count == 2)
            #expect(
                abs((outputs?[0].loss ?? 0) - expected[0].loss) < 1e-5 && outputs?[0].accuracy == 0.75,
                "\(String(describing: outputs))")
            #expect(
                abs((outputs?[1].loss ?? 0) - expected[1].loss) < 1e-6 && outputs?[1].accuracy == nil,
                "\(String(describing: outputs))")
            #expect(abs((total ?? 0) - Float(crossEntropy + 0.5 * squaredError)) < 1e-5)
        }
        let evaluation = try trainer.evaluatePerOutput(loader)
        expectExpected(evaluation.outputs, total: evaluation.loss)
        #expect(try trainer.evaluate(loader).accuracy == 0, "a model of several outputs has no overall accuracy")

        let epoch = try #require(try trainer.fit(loader, validation: loader, epochs: 1).first)
        expectExpected(epoch.trainOutputs, total: epoch.trainLoss)
        expectExpected(epoch.validationOutputs, total: epoch.validationLoss)

        let predicted = try trainer.predict([
            try Tensor([3, 1], shape: [1, 2], device: device), try Tensor([0.25], shape: [1, 1], device: device),
        ])
        #expect(
            allClose(try predicted[0].toArray(), [Float(1 / (1 + exp(-2.0))), Float(1 / (1 + exp(2.0)))]), "class probabilities")
        #expect(try predicted[1].toArray() == [1], "the value as the model computes it")
    }

    @Test func countsThatDoNotFitAreRefusedInOneLine() throws {
        let model = try MultiOutputFixtures.model(seed: 1)
        let optimizer = SGD(model.parameters)
        let oneLoss = #expect(throws: FoveaError.self) {
            try Trainer(model: model, optimizer: optimizer, losses: [CrossEntropyLoss()])
        }
        #expect("\(oneLoss!)".contains("2 outputs, got 1 losses"), "\(oneLoss!)")
        #expect(throws: FoveaError.self) {
            try Trainer(model: model, optimizer: optimizer, losses: [CrossEntropyLoss(), MSELoss()], lossWeights: [1])
        }

        let multiTensor = try DataLoader(try MultiOutputFixtures.data(count: 8, seed: 1), batchSize: 4)
        let mlp = try Models.mlp(inputFeatures: 4, hidden: [8], classes: 3)
        let unary = #expect(throws: FoveaError.self) {
            try Trainer(model: mlp, optimizer: SGD(mlp.parameters)).fit(multiTensor, epochs: 1)
        }
        #expect("\(unary!)".contains("one input and one target, a batch has 2 and 2"), "\(unary!)")

        let oneTarget = try DataLoader(try TrainingFixtures.threeClasses(count: 8, seed: 1), batchSize: 4)
        let missing = #expect(throws: FoveaError.self) {
            try MultiOutputFixtures.trainer(model, optimizer: optimizer).fit(oneTarget, epochs: 1)
        }
        #expect("\(missing!)".contains("1 targets for 2 losses"), "\(missing!)")
    }

    /// Decision 5: the per-output sums stay on the device, so an epoch of 8 steps reads the device as often as one of 2.
    @Test(arguments: testDevices.filter { $0 != .cpu })
    func stepsMakeNoHostSync(device: Device) throws {
        let data = try MultiOutputFixtures.data(count: 64, seed: 2)
        func syncs(batchSize: Int) throws -> Int {
            let model = try MultiOutputFixtures.model(seed: 3).to(device)
            let trainer = try MultiOutputFixtures.trainer(model, optimizer: Adam(model.parameters))
            let loader = try DataLoader(data, batchSize: batchSize, device: device)
            let before = OpenCLContext.hostSyncsOnCurrentThread
            try trainer.fit(loader, epochs: 1)
            return OpenCLContext.hostSyncsOnCurrentThread - before
        }
        #expect(try syncs(batchSize: 8) == syncs(batchSize: 32))
    }
}
