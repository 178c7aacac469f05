import FoveaCore
import FoveaNN
import FoveaTestSupport
import Testing

/// A custom module as a PyTorch user would write it: children named after the stored properties.
final class SmallNet: Module, UnaryLayer {
    let conv1: Conv2D, bn1: BatchNorm2D, fc: Dense

    /// (`init() throws` cannot override Module's non-throwing `init()`, hence the argument.)
    init(classes: Int = 3) throws {
        conv1 = Conv2D(1, 2, kernelSize: 3)
        bn1 = BatchNorm2D(2)
        fc = Dense(8, classes)
        super.init()
    }

    func forward(_ input: Tensor) throws -> Tensor {
        try fc(bn1(conv1(input)).relu().flattened(startAxis: 1))
    }
}

@Suite struct StateDictTests {
    @Test func customModuleKeysArePyTorchs() throws {
        let keys = try SmallNet().stateDict().map(\.0)
        // list(Net().state_dict().keys()) for the same PyTorch module.
        #expect(
            keys == [
                "conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
                "bn1.num_batches_tracked", "fc.weight", "fc.bias",
            ])
        #expect(
            try SmallNet().namedParameters.map(\.0) == [
                "conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "fc.weight", "fc.bias",
            ])
        #expect(try SmallNet().namedBuffers.map(\.0) == ["bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked"])
    }

    @Test func sequentialKeysAreIndices() throws {
        let model = Sequential {
            Conv2D(1, 2, kernelSize: 3); BatchNorm2D(2, affine: false); ReLU(); Flatten(); Dense(8, 2)
        }
        #expect(
            model.stateDict().map(\.0) == [
                "0.weight", "0.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked",
                "4.weight", "4.bias",
            ])
        let resnet = try Models.resnetSmall(inputShape: [3, 8, 8], classes: 2, blocksPerStage: 1)
        let keys = resnet.stateDict().map(\.0)
        #expect(keys.contains("4.shortcut.0.weight") && keys.contains("4.shortcut.1.running_var") && keys.contains("3.bn2.bias"))
        #expect(!keys.contains { $0.hasPrefix("3.shortcut") })
    }

    @Test(arguments: testDevices)
    func roundTripCopiesValuesWithoutSharingStorage(device: Device) throws {
        let source = try SmallNet(), target = try SmallNet()
        try source.to(device)
        try target.to(device)
        let input = try testTensor([2, 1, 4, 4], device: device, seed: 1)
        _ = try source(input)  // moves the running statistics away from their defaults
        try target.loadStateDict(Dictionary(uniqueKeysWithValues: source.stateDict()))
        for ((name, a), (_, b)) in zip(source.stateDict(), target.stateDict()) {
            #expect(try a.to(dtype: .float32).toArray() == b.to(dtype: .float32).toArray(), "\(name)")
            #expect(b.device == device)
        }
        #expect(target.parameters.allSatisfy { $0.value.requiresGrad })
        source.eval(); target.eval()
        #expect(try source(input).toArray() == target(input).toArray())

        // Training the copy leaves the source alone (PyTorch copies into the existing tensors).
        let before = try source.stateDict().map { try $0.1.to(dtype: .float32).toArray() }
        target.train()
        let optimizer = SGD(target.parameters, learningRate: 0.1)
        try target(input).sum().backward()
        try optimizer.step()
        #expect(try source.stateDict().map { try $0.1.to(dtype: .float32).toArray() } == before)
    }

    @Test(arguments: testDevices)
    func loadingAcrossDevices(device: Device) throws {
        let source = try SmallNet(), target = try SmallNet()
        try target.to(device)
        try target.loadStateDict(Dictionary(uniqueKeysWithValues: source.stateDict()))
        #expect(target.stateDict().allSatisfy { $0.1.device == device })
        #expect(try target.fc.weight.value.toArray() == source.fc.weight.value.toArray())
    }

    @Test func errorsNameTheEntry() throws {
        let model = try SmallNet()
        let state = Dictionary(uniqueKeysWithValues: model.stateDict())
        func message(_ state: [String: Tensor]) -> String {
            do { try model.loadStateDict(state); return "no error" } catch { return "\(error)" }
        }
        var missing = state
        missing["bn1.running_var"] = nil
        #expect(message(missing).contains("bn1.running_var"), "\(message(missing))")
        var unexpected = state
        unexpected["fc2.weight"] = try Tensor.zeros([3])
        #expect(message(unexpected).contains("fc2.weight"), "\(message(unexpected))")
        var wrongShape = state
        wrongShape["fc.weight"] = try Tensor.zeros([3, 9])
        let shapeMessage = message(wrongShape)
        #expect(
            shapeMessage.contains("fc.weight") && shapeMessage.contains("[3, 9]") && shapeMessage.contains("[3, 8]"),
            "\(shapeMessage)")

        // A failed load changes nothing, even entries that came before the bad one.
        let conv = try model.conv1.weight.value.toArray()
        wrongShape["conv1.weight"] = try Tensor.zeros([2, 1, 3, 3])
        #expect(throws: FoveaError.self) { try model.loadStateDict(wrongShape) }
        #expect(try model.conv1.weight.value.toArray() == conv)

        // Non-strict loading takes what matches and ignores the rest; shapes are still checked.
        try model.loadStateDict(["fc.bias": try Tensor([1, 2, 3]), "extra": try Tensor.zeros([1])], strict: false)
        #expect(try model.fc.bias!.value.toArray() == [1, 2, 3])
        #expect(throws: FoveaError.self) { try model.loadStateDict(["fc.bias": try Tensor.zeros([4])], strict: false) }
    }
}
