import Foundation
import FoveaCore
import FoveaNN
import FoveaTestSupport
import Testing

/// `ResNet18` and `VGG11` against torchvision (`Fixtures/make_torchvision_fixture.py`): the full models' state-dict
/// names and shapes, and the logits of reduced-width variants whose weights PyTorch wrote.
@Suite struct TorchvisionModelTests {
    static let fixtures = repositoryRoot.appendingPathComponent("Tests/FoveaNNTests/Fixtures")

    static func manifest() throws -> [String: [String: [Int]]] {
        try JSONDecoder().decode(
            [String: [String: [Int]]].self, from: Data(contentsOf: fixtures.appendingPathComponent("torchvision_manifest.json")))
    }

    @Test func resnet18HasTorchvisionsNamesAndShapes() throws {
        let expected = try #require(try Self.manifest()["resnet18"])
        let state = ResNet18().stateDict()
        #expect(Set(state.map(\.0)) == Set(expected.keys))
        for (name, tensor) in state { #expect(tensor.shape.dims == expected[name], "\(name)") }
    }

    @Test func vgg11HasTorchvisionsNames() throws {
        let expected = try #require(try Self.manifest()["vgg11"])
        // The full model holds 133 million parameters: names from a narrow one, shapes in the narrow fixture below.
        #expect(Set(VGG11(width: 4, hidden: 16).stateDict().map(\.0)) == Set(expected.keys))
        #expect(expected["classifier.0.weight"] == [4096, 25088] && expected["features.18.weight"] == [512, 512, 3, 3])
    }

    @Test(arguments: [("resnet18_narrow", 0), ("vgg11_narrow", 1)], testDevices)
    func narrowVariantsGivePyTorchsLogits(fixture: (String, Int), device: Device) throws {
        var (tensors, _) = try Safetensors.read(from: Self.fixtures.appendingPathComponent("\(fixture.0).safetensors"))
        let input = try #require(tensors["input.x"]), logits = try #require(tensors["output.logits"])
        tensors["input.x"] = nil
        tensors["output.logits"] = nil
        let model: any UnaryLayer = fixture.1 == 0 ? ResNet18(classes: 5, width: 4) : VGG11(classes: 5, width: 4, hidden: 16)
        try model.loadStateDict(tensors, strict: true)
        try model.to(device)
        model.eval()
        let output = try withNoGrad { try model(input.to(device)) }
        #expect(output.shape == [2, 5])
        #expect(maxAbsDifference(try output.toArray(), try logits.toArray()) < 1e-4)
    }
}
