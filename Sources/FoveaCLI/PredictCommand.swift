import ArgumentParser
import Foundation
import Fovea

/// `fovea predict`: the most likely classes of one image.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "predict", abstract: "Classify one image with a checkpoint.")

    @OptionGroup var checkpoint: CheckpointOptions
    @Option(help: "A PGM/PPM image, or idx:FILE:INDEX for an image of an IDX file.") var input: String
    @Option(help: "How many classes to show.") var top = 3

    func run() throws {
        guard top > 0 else { throw FoveaError.invalidArgument("--top \(top): must be positive") }
        var image = try ImageInput.read(input)
        let (model, spec) = try LoadedModel.load(checkpoint, inputShape: image.shape)
        let device = try checkpoint.resolvedDevice()
        guard image.shape == spec.inputShape else {
            throw FoveaError.invalidArgument("\(input): image is \(image.shape) (channels, height, width) but the model expects \(spec.inputShape)")
        }
        if let normalization = spec.normalization {
            var generator = SeededGenerator(seed: 0)
            image.values.withUnsafeMutableBufferPointer { normalization.apply($0, shape: image.shape, generator: &generator) }
        }
        let batch = try Tensor(image.values, shape: Shape([1] + image.shape.dims), device: device)
        let probabilities = try withNoGrad { try model(batch).softmax(axis: -1) }.toArray()
        for (rank, entry) in probabilities.enumerated().sorted(by: { $0.element > $1.element }).prefix(top).enumerated() {
            print(String(format: "%d. %@  %.2f%%", rank + 1, spec.classNames[entry.offset], 100 * entry.element))
        }
    }
}

/// Reads an image as [channels, height, width] floats in [0, 1].
enum ImageInput {
    static func read(_ spec: String) throws -> (values: [Float], shape: Shape) {
        if spec.hasPrefix("idx:") {
            let parts = spec.dropFirst(4).split(separator: ":")
            guard parts.count == 2, let index = Int(parts[1]) else {
                throw FoveaError.invalidArgument("--input \(spec): use idx:FILE:INDEX")
            }
            let file = try IDXFile.read(URL(fileURLWithPath: String(parts[0])), rank: 3)
            let (count, rows, columns) = (file.dimensions[0], file.dimensions[1], file.dimensions[2])
            guard index >= 0, index < count else {
                throw FoveaError.badFile(path: String(parts[0]), reason: "holds \(count) images; index \(index) is out of range")
            }
            let pixels = file.bytes[(index * rows * columns)..<((index + 1) * rows * columns)]
            return (pixels.map { Float($0) / 255 }, [1, rows, columns])
        }
        return try PortableAnymap.read(URL(fileURLWithPath: spec))
    }
}
