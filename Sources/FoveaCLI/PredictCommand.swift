import ArgumentParser
import Foundation
import Fovea

/// `fovea predict`: the most likely classes of one image or text, or a series' next value.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify one image or text, or forecast a series, with a checkpoint.")

    @OptionGroup var checkpoint: CheckpointOptions
    @Option(
        help:
            "A PNG, JPEG, PGM or PPM image of any size (converted to the model's channels, resized bilinearly to its input size), or idx:FILE:INDEX for an image of an IDX file."
    )
    var input: String?
    @Option(help: "A text for an lstm-text or gru-text checkpoint, encoded with the vocabulary saved in it.") var text: String?
    @Option(help: "A CSV file for a series checkpoint (lstm, gru, rnn): its last window forecasts the next value.") var series:
        String?
    @Option(help: "With --series: the column to read (default: the one the checkpoint was trained on).") var column: String?
    @Option(help: "How many classes to show.") var top = 3

    func run() throws {
        guard top > 0 else { throw FoveaError.invalidArgument("--top \(top): must be positive") }
        guard [input, text, series].compactMap({ $0 }).count == 1 else {
            throw FoveaError.invalidArgument("give one of --input (an image), --text or --series")
        }
        guard column == nil || series != nil else { throw FoveaError.invalidArgument("--column: only with --series") }
        if let text {
            for line in try SequencePrediction.classify(text, checkpoint: checkpoint, top: top).lines { print(line) }
            return
        }
        if let series { return print(try SequencePrediction.forecast(series, column: column, checkpoint: checkpoint).line) }
        let input = input!
        let decoded = try ImageInput.read(input)
        let (model, spec) = try LoadedModel.load(checkpoint, inputShape: decoded.shape)
        let batch = try ImageInput.batch(decoded, spec: spec, device: try checkpoint.resolvedDevice(), name: input)
        let probabilities = try withNoGrad { try model(batch).softmax(axis: -1) }.toArray()
        for line in Self.topLines(probabilities, classNames: spec.classNames, top: top) { print(line) }
    }

    /// The `top` most probable classes, one line each: `1. cat  93.20%`.
    static func topLines(_ probabilities: [Float], classNames: [String], top: Int) -> [String] {
        probabilities.enumerated().sorted(by: { $0.element > $1.element }).prefix(top).enumerated().map { rank, entry in
            String(format: "%d. %@  %.2f%%", rank + 1, classNames[entry.offset], 100 * entry.element)
        }
    }
}

/// Reads an image as [channels, height, width] floats in [0, 1].
enum ImageInput {
    /// `image` as the model takes it: converted and resized to `spec`'s input shape [channels, height, width],
    /// normalized as `spec` says, as a batch of one on `device`; `name` is the image's in errors.
    static func batch(_ image: (values: [Float], shape: Shape), spec: ModelSpec, device: Device, name: String) throws -> Tensor {
        let shape = spec.inputShape
        guard shape.rank == 3, image.shape.rank == 3, [1, 3].contains(shape[0]) else {
            throw FoveaError.invalidArgument(
                "\(name): image is \(image.shape) (channels, height, width) but the model expects \(shape)")
        }
        var values = try ImageProcessing.fitted(image, to: shape)
        if let normalization = spec.normalization {
            var generator = SeededGenerator(seed: 0)
            values.withUnsafeMutableBufferPointer { normalization.apply($0, shape: shape, generator: &generator) }
        }
        return try Tensor(values, shape: Shape([1] + shape.dims), device: device)
    }

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
        return try ImageFile.read(URL(fileURLWithPath: spec))
    }
}
