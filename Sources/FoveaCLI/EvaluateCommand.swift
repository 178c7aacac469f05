import ArgumentParser
import Foundation
import Fovea

/// `fovea evaluate`: test loss and accuracy of a checkpoint.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "evaluate", abstract: "Measure a checkpoint on a data set's test split.")

    @OptionGroup var checkpoint: CheckpointOptions
    @Option(help: "Data set (default: the one the model was trained on).") var data: String?
    @Option(help: "Directory with the data files.") var dataDir: String?
    @Option(help: "Samples per batch.") var batchSize = 256

    func run() throws {
        guard batchSize > 0 else { throw FoveaError.invalidArgument("--batch-size \(batchSize): must be positive") }
        let (_, metadata) = try Safetensors.read(from: URL(fileURLWithPath: checkpoint.checkpoint))
        guard let name = data ?? metadata["data"] else {
            throw FoveaError.invalidArgument("\(checkpoint.checkpoint): a plain state dict (no Fovea metadata) needs --model and --data")
        }
        let source = try DataSource.load(name, directory: dataDir.map { URL(fileURLWithPath: $0) })
        let (model, spec) = try LoadedModel.load(checkpoint, data: source)
        guard source.sampleShape == spec.inputShape else {
            throw FoveaError.invalidArgument("\(source.name) samples are \(source.sampleShape) but \(checkpoint.checkpoint) expects \(spec.inputShape)")
        }
        let device = try checkpoint.resolvedDevice()
        let loader = try DataLoader(source.test, batchSize: batchSize, shuffle: false, transform: spec.normalization, device: device)
        let trainer = Trainer(model: model, optimizer: SGD(model.parameters))
        let result = try trainer.evaluate(loader)
        print("inputs normalized as \(ModelSpec.describe(spec.normalization))")
        print(String(format: "%@ on %@ test (%d images): loss %.4f, accuracy %.2f%%",
                     spec.name, source.name, source.test.count, result.loss, 100 * result.accuracy))
    }
}
