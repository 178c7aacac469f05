import ArgumentParser
import Foundation
import Fovea

/// `fovea evaluate`: test loss and accuracy of a checkpoint.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "evaluate", abstract: "Measure a checkpoint on a data set's test split.")

    @Option(help: "A .safetensors checkpoint written by `fovea train`.") var checkpoint: String
    @Option(help: "Data set (default: the one the model was trained on).") var data: String?
    @Option(help: "Directory with the data files.") var dataDir: String?
    @Option(help: "Device: auto, cpu, opencl or opencl:N.") var device: String?
    @Option(help: "Samples per batch.") var batchSize = 256

    func run() throws {
        guard batchSize > 0 else { throw FoveaError.invalidArgument("--batch-size \(batchSize): must be positive") }
        let device = try self.device.map(Device.parse) ?? Device.default
        let (model, spec) = try LoadedModel.load(checkpoint, device: device)
        let source = try DataSource.load(data ?? spec.data, directory: dataDir.map { URL(fileURLWithPath: $0) })
        guard source.sampleShape == spec.inputShape else {
            throw FoveaError.invalidArgument("\(source.name) samples are \(source.sampleShape) but \(checkpoint) expects \(spec.inputShape)")
        }
        let loader = try DataLoader(source.test, batchSize: batchSize, shuffle: false, transform: spec.normalization, device: device)
        let trainer = Trainer(model: model, optimizer: SGD(model.parameters))
        let result = try trainer.evaluate(loader)
        print(String(format: "%@ on %@ test (%d images): loss %.4f, accuracy %.2f%%",
                     spec.name, source.name, source.test.count, result.loss, 100 * result.accuracy))
    }
}

/// A model rebuilt from a checkpoint's metadata with its weights loaded.
enum LoadedModel {
    static func load(_ path: String, device: Device) throws -> (Sequential, ModelSpec) {
        let url = URL(fileURLWithPath: path)
        let (_, metadata) = try Safetensors.read(from: url)
        let spec = try ModelSpec(metadata: metadata, file: path)
        let model = try spec.build()
        try Checkpoint.loadModel(model, from: url)
        try model.to(device)
        model.eval()
        return (model, spec)
    }
}
