import Foundation
import Fovea
import FoveaTestSupport
import Testing

/// Weights trained in PyTorch run in Fovea with the same results.
/// Fixtures/*.safetensors come from Fixtures/make_pytorch_fixture.py (torch 2.15, safetensors 0.8).
@Suite struct PyTorchInteropTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    @Test(arguments: testDevices, [false, true])
    func pytorchLeNet5WeightsGiveTheSameLogits(device: Device, classic: Bool) throws {
        let model = try Models.lenet5(classic: classic)
        let metadata = try Checkpoint.loadModel(model, from: Self.fixtures.appendingPathComponent("lenet5_torch.safetensors"))
        #expect(metadata["source"] == "make_pytorch_fixture.py")
        try model.to(device)
        model.eval()
        let io = try Safetensors.read(from: Self.fixtures.appendingPathComponent("lenet5_io.safetensors"), device: device).tensors
        let input = try #require(io["input"])
        #expect(input.shape == [3, 1, 28, 28])
        let expected = try #require(io[classic ? "logits_classic" : "logits"]).toArray()
        let logits = try withNoGrad { try model(input) }
        #expect(logits.shape == [3, 10])
        let difference = maxAbsDifference(try logits.toArray(), expected)
        #expect(difference < 1e-4, "max |Fovea - PyTorch| = \(difference)")
    }
}
