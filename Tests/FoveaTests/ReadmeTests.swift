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
}
