import Foundation
import Fovea
import FoveaTestSupport
import Testing

@Suite struct CheckpointTests {
    static let lenetNames = [
        "0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight", "9.bias", "11.weight", "11.bias",
    ]

    /// The raw JSON header of a safetensors file, to check names and their order.
    static func headerKeys(_ url: URL) throws -> [String] {
        let data = try Data(contentsOf: url)
        let length = Int(data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        let header = String(decoding: data[8..<8 + length], as: UTF8.self)
        let object = try JSONSerialization.jsonObject(with: Data(header.utf8)) as! [String: Any]
        // Order of appearance in the header text.
        return object.keys.filter { $0 != "__metadata__" }.sorted {
            header.range(of: "\"\($0)\"")!.lowerBound < header.range(of: "\"\($1)\"")!.lowerBound
        }
    }

    @Test func modelFileHoldsExactlyPyTorchsStateDictNames() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try Models.lenet5()
        let optimizer = Adam(model.parameters)
        let file = directory.appendingPathComponent("lenet.safetensors")
        try Checkpoint.save(model: model, optimizer: optimizer, epoch: 4, metadata: ["model": "lenet5"], to: file)
        #expect(try Self.headerKeys(file) == Self.lenetNames)
        let (tensors, metadata) = try Safetensors.read(from: file)
        #expect(tensors["0.weight"]!.shape == [6, 1, 5, 5])
        #expect(tensors["7.weight"]!.shape == [120, 400])
        #expect(metadata["model"] == "lenet5" && metadata["format"] == "fovea" && metadata["epoch"] == "4")
        #expect(metadata["position_epoch"] == "5" && metadata["position_batch"] == "0" && metadata["step_count"] == "0")
        let optimizerMetadata = try Safetensors.read(from: Checkpoint.optimizerFile(for: file)).metadata
        #expect(optimizerMetadata["epoch"] == "4")
        #expect(optimizerMetadata["checkpoint_id"] != nil && optimizerMetadata["checkpoint_id"] == metadata["checkpoint_id"])
        #expect(optimizerMetadata["step_count"] == "0")
        #expect(Checkpoint.optimizerFile(for: file).lastPathComponent == "lenet.optim.safetensors")
        let contents = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(contents == ["lenet.optim.safetensors", "lenet.safetensors"], "no temporary files left")
    }

    @Test func batchNormBuffersUsePyTorchsNames() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("cnn.safetensors")
        try Checkpoint.save(model: try Models.cnnCifar(widths: [4, 8, 8], dropout: 0), epoch: 0, to: file)
        // PyTorch's state_dict keys for the same layers (nn.AdaptiveAvgPool2d(1) + nn.Flatten() counted as one module).
        let batchNorms = [1, 4, 8, 11, 15, 18].flatMap { index in
            ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"].map { "\(index).\($0)" }
        }
        let expected =
            [0, 3, 7, 10, 14, 17].map { "\($0).weight" } + batchNorms + ["22.weight", "22.bias", "24.weight", "24.bias"]
        #expect(Set(try Self.headerKeys(file)) == Set(expected))
    }

    @Test(arguments: testDevices)
    func savedWeightsLoadIntoAFreshModel(device: Device) throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("m.safetensors")
        let original = try Models.lenet5(classes: 4)
        try original.to(device)
        try Checkpoint.save(model: original, epoch: 0, to: file)
        let copy = try Models.lenet5(classes: 4)
        try copy.to(device)
        try Checkpoint.loadModel(copy, from: file)
        #expect(copy.parameters.allSatisfy { $0.device == device })
        let input = try testTensor([2, 1, 28, 28], device: device, seed: 3)
        #expect(try copy(input).toArray() == original(input).toArray())
    }

    @Test func anotherArchitectureFailsWithOneLineNamingTheParameter() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("lenet.safetensors")
        try Checkpoint.save(model: try Models.lenet5(), epoch: 0, to: file)

        let mlp = try Models.mlp(inputFeatures: 784, hidden: [32], classes: 10)
        let before = try TrainingFixtures.values(of: mlp)
        let missing = #expect(throws: FoveaError.self) { try Checkpoint.loadModel(mlp, from: file) }
        let prefix = "\(file.path): does not fit this model: "
        #expect(missing?.description.hasPrefix(prefix + "state dict has no entry for ") == true, "\(String(describing: missing))")
        #expect(missing?.description.contains("'1.bias'") == true)
        #expect(try TrainingFixtures.values(of: mlp) == before, "nothing was loaded")

        let fewerClasses = try Models.lenet5(classes: 5)
        let shape = #expect(throws: FoveaError.self) { try Checkpoint.loadModel(fewerClasses, from: file) }
        #expect(
            shape?.description.hasPrefix(prefix) == true && shape?.description.contains("'11.weight'") == true,
            "\(String(describing: shape))")
        #expect(shape?.description.hasSuffix("checkpoint has shape [10, 84], model has [5, 84]") == true)
        #expect(shape.map { !$0.description.contains("\n") } == true)
    }

    @Test func malformedHeaderIsBadFileNamingTheFile() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("broken.safetensors")
        let model = try Models.lenet5()
        let optimizer = Adam(model.parameters)
        try Checkpoint.save(model: model, optimizer: optimizer, epoch: 0, to: file)
        var bytes = Data([16, 0, 0, 0, 0, 0, 0, 0])
        bytes.append(Data("{\"0.weight\": [1".utf8))
        bytes.append(Data(repeating: 0x20, count: 1))
        try bytes.write(to: file)
        #expect(throws: FoveaError.badFile(path: file.path, reason: "the header is not a JSON object")) {
            try Checkpoint.loadModel(try Models.lenet5(), from: file)
        }
        #expect(throws: FoveaError.badFile(path: file.path, reason: "the header is not a JSON object")) {
            try Checkpoint.resume(model: model, optimizer: optimizer, from: file)
        }
    }

    @Test func failedSaveLeavesThePreviousCheckpointAndNoPartialFile() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try Models.mlp(inputFeatures: 4, hidden: [8], classes: 3)
        let optimizer = SGD(model.parameters, learningRate: 0.1, momentum: 0.9)

        // The optimizer file's place is taken by a directory: neither file may change.
        let file = directory.appendingPathComponent("last.safetensors")
        try Checkpoint.save(model: model, epoch: 1, to: file)
        let previous = try Data(contentsOf: file)
        try FileManager.default.createDirectory(at: Checkpoint.optimizerFile(for: file), withIntermediateDirectories: false)
        let error = #expect(throws: FoveaError.self) {
            try Checkpoint.save(model: model, optimizer: optimizer, epoch: 2, to: file)
        }
        #expect(
            error
                == .badFile(
                    path: Checkpoint.optimizerFile(for: file).path, reason: "is a directory, cannot save a checkpoint there"))
        #expect(try Data(contentsOf: file) == previous)

        // A directory that does not exist.
        let nowhere = directory.appendingPathComponent("missing/m.safetensors")
        let missing = #expect(throws: FoveaError.self) {
            try Checkpoint.save(model: model, optimizer: optimizer, epoch: 0, to: nowhere)
        }
        #expect(missing?.description.hasPrefix(nowhere.path) == true, "\(String(describing: missing))")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == [
                "last.optim.safetensors", "last.safetensors",
            ])
    }

    @Test(arguments: testDevices)
    func loadingWithFreezingPrefixesFreezesThoseParameters(device: Device) throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("m.safetensors")
        try Checkpoint.save(model: try Models.lenet5(classes: 3), epoch: 0, to: file)

        let model = try Models.lenet5(classes: 3)
        try model.to(device)
        try Checkpoint.loadModel(model, from: file, freezing: ["0.", "3."])
        let frozen = model.namedParameters.filter { $0.1.isFrozen }.map(\.0)
        #expect(frozen == ["0.weight", "0.bias", "3.weight", "3.bias"])

        let before = try TrainingFixtures.values(of: model)
        let optimizer = SGD(model.parameters, learningRate: 0.1)
        let loss = try CrossEntropyLoss()(
            model(testTensor([4, 1, 28, 28], device: device, seed: 2)), Tensor(indices: [0, 1, 2, 0], device: device))
        try loss.backward()
        try optimizer.step()
        let after = try TrainingFixtures.values(of: model)
        for name in Self.lenetNames { #expect((after[name] == before[name]) == frozen.contains(name), "\(name)") }

        #expect(throws: FoveaError.self) {
            try Checkpoint.loadModel(try Models.lenet5(classes: 3), from: file, freezing: ["conv1."])
        }
    }

    /// Files as a save killed between its renames leaves them: the new optimizer file in place, the old model file,
    /// and the old optimizer file kept as `.prev`; plus the temporary files of another killed save.
    static func killedBetweenRenames(in directory: URL) throws -> (
        file: URL, model: Sequential, optimizer: SGD, old: [String: [Float]]
    ) {
        let model = try Models.mlp(inputFeatures: 4, hidden: [8], classes: 3)
        let optimizer = SGD(model.parameters, learningRate: 0.1, momentum: 0.9)
        let file = directory.appendingPathComponent("last.safetensors")
        let loss = try CrossEntropyLoss()(model(testTensor([2, 4], device: .cpu)), Tensor(indices: [0, 2]))
        try loss.backward()
        try optimizer.step()
        try Checkpoint.save(model: model, optimizer: optimizer, epoch: 1, to: file)
        let old = try TrainingFixtures.values(of: model)
        let oldModel = try Data(contentsOf: file), oldOptimizer = try Data(contentsOf: Checkpoint.optimizerFile(for: file))
        try optimizer.step()
        try Checkpoint.save(model: model, optimizer: optimizer, epoch: 2, to: file)
        try oldModel.write(to: file)
        try oldOptimizer.write(to: directory.appendingPathComponent("last.optim.safetensors.prev"))
        try Data([1, 2, 3]).write(to: directory.appendingPathComponent(".last.safetensors.0A1B.part"))
        try Data([1, 2, 3]).write(to: directory.appendingPathComponent(".metrics.jsonl.0A1B.tmp"))
        return (file, model, optimizer, old)
    }

    @Test func resumeAfterASaveKilledBetweenItsRenamesUsesTheMatchingPair() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (file, _, _, old) = try Self.killedBetweenRenames(in: directory)
        let model = try Models.mlp(inputFeatures: 4, hidden: [8], classes: 3)
        let optimizer = SGD(model.parameters, learningRate: 0.1, momentum: 0.9)
        let position = try Checkpoint.resume(model: model, optimizer: optimizer, from: file)
        #expect(position == TrainingPosition(epoch: 2))
        #expect(optimizer.stepCount == 1, "the optimizer state of epoch 1, not of epoch 2")
        #expect(try TrainingFixtures.values(of: model) == old)
    }

    @Test func recoverRestoresTheMatchingOptimizerFileAndRemovesTemporaryFiles() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (file, _, _, _) = try Self.killedBetweenRenames(in: directory)
        let changed = try Checkpoint.recover(directory: directory)
        #expect(changed == [".last.safetensors.0A1B.part", ".metrics.jsonl.0A1B.tmp", "last.optim.safetensors.prev"])
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == [
                "last.optim.safetensors", "last.safetensors",
            ])
        let model = try Safetensors.read(from: file).metadata,
            optimizer = try Safetensors.read(from: Checkpoint.optimizerFile(for: file)).metadata
        #expect(model["checkpoint_id"] == optimizer["checkpoint_id"] && optimizer["step_count"] == "1")
    }

    /// A model file and an optimizer file of different steps (no `.prev` to fall back on) are refused by name.
    @Test func resumeRefusesATornPair() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (file, model, optimizer, _) = try Self.killedBetweenRenames(in: directory)
        try FileManager.default.removeItem(at: directory.appendingPathComponent("last.optim.safetensors.prev"))
        #expect(
            throws: FoveaError.badFile(
                path: file.path,
                reason: "holds the model at epoch 2, batch 0 but last.optim.safetensors holds the optimizer "
                    + "at epoch 3, batch 0: the pair belongs to different steps; resume from an epoch-NNN.safetensors checkpoint instead"
            )
        ) {
            try Checkpoint.resume(model: model, optimizer: optimizer, from: file)
        }
    }
}
