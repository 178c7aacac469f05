import Fovea
import FoveaTestSupport
import Testing

/// The README's low-level autograd snippet, kept compiling and correct.
@Suite struct ReadmeTests {
    @Test(arguments: testDevices)
    func convolutionSnippetFillsTheWeightGradient(device: Device) throws {
        let x = try Tensor.normal([8, 3, 32, 32], generator: Generator(seed: 1), device: device)
        let w = try Tensor.normal([16, 3, 3, 3], generator: Generator(seed: 2), device: device)
        w.requiresGrad = true
        let loss = try x.conv2d(weight: w, padding: 1).relu().maxPool2d(kernel: 2).mean()
        try loss.backward()
        #expect(w.grad?.shape == [16, 3, 3, 3])
        #expect(try w.grad!.abs().sum().item() > 0)
    }

    @Test(arguments: testDevices)
    func int32AndSubscriptSnippetRuns(device: Device) throws {
        let ids = try Tensor(indices: [0, 2, 1], device: device)
        let logits = try Tensor.normal([3, 5], generator: Generator(seed: 3), device: device)
        logits.requiresGrad = true
        let row = try logits[0]
        let picked = try logits[ids]
        let loss = try logits.crossEntropy(targets: ids)
        let pred = try logits.argmax(axis: 1)
        try (loss + row.sum() + picked.sum()).backward()
        #expect(try ids.dtype == .int32 && pred.dtype == .int32 && pred.eq(ids).dtype == .int32)
        #expect(row.shape == [5] && picked.shape == [3, 5])
        #expect(logits.grad?.shape == [3, 5])
    }
}
