import FoveaCore
import FoveaTestSupport
import Testing

/// `crossEntropy(..., accumulatingLossInto:correctInto:)`: the loss with a trainer's running totals in the same pass
/// (one kernel on OpenCL, separate primitives on the CPU backend).
@Suite struct LossTotalsTests {
    @Test(arguments: testDevices)
    func addsBatchTimesLossAndTheCorrectRowsByHand(device: Device) throws {
        // Row 0 predicts 0 (right), row 1 predicts 1 (target 2), row 2 ties 0 and 1 and takes the first, 0 (right).
        let logits = try Tensor([2, 1, 0, 0, 3, 1, 1, 1, 0], shape: [3, 3], device: device, requiresGrad: true)
        let targets = try Tensor(int32: [0, 2, 0], shape: [3], device: device)
        let lossSum = try Tensor([5], shape: [], device: device), correct = try Tensor([1], shape: [], device: device)
        let loss = try logits.crossEntropy(targets: targets, accumulatingLossInto: lossSum, correctInto: correct)
        let plain = try logits.crossEntropy(targets: targets).item()
        #expect(try loss.item() == plain)
        #expect(abs(try lossSum.item() - (5 + 3 * plain)) < 1e-5)
        #expect(try correct.item() == 3)
        // A second batch adds again; the loss still has its gradient.
        _ = try logits.crossEntropy(targets: targets, accumulatingLossInto: lossSum, correctInto: correct)
        #expect(try correct.item() == 5)
        try loss.backward()
        #expect(logits.grad?.shape == [3, 3])
    }

    @Test(arguments: testDevices)
    func matchesTheLossWithWeightsAndSmoothing(device: Device) throws {
        let logits = try testTensor([37, 6], device: device, seed: 91, low: -3, high: 3)
        let targets = try Tensor(int32: (0..<37).map { Int32(($0 * 7) % 6) }, shape: [37], device: device)
        let weights = try testTensor([6], device: device, seed: 92, low: 0.5, high: 2)
        let lossSum = try Tensor([0], shape: [], device: device), correct = try Tensor([0], shape: [], device: device)
        let loss = try logits.crossEntropy(
            targets: targets, classWeights: weights, labelSmoothing: 0.1,
            accumulatingLossInto: lossSum, correctInto: correct)
        let expected = try logits.crossEntropy(targets: targets, classWeights: weights, labelSmoothing: 0.1).item()
        let hits = try logits.argmax(axis: -1).eq(targets).to(dtype: .float32).sum().item()
        #expect(abs(try loss.item() - expected) < 1e-6)
        #expect(abs(try lossSum.item() - 37 * expected) < 1e-4)
        #expect(try correct.item() == hits)
    }

    @Test func totalsThatAreNotScalarsAreRefused() throws {
        let logits = try Tensor([1, 2], shape: [1, 2]), targets = try Tensor(int32: [1], shape: [1])
        let scalar = try Tensor([0], shape: [])
        #expect(throws: FoveaError.invalidArgument("crossEntropy: lossSum must be a 0-d float32 tensor, got float32 [1]")) {
            try logits.crossEntropy(targets: targets, accumulatingLossInto: try Tensor([0]), correctInto: scalar)
        }
    }
}
