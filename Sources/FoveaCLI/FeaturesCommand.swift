import ArgumentParser
import Foundation
import Fovea

/// `fovea features`: a layer's activation maps for an image, or the first convolution's kernels, as a grid (PNG).
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Write a layer's activation maps for an image, or the first convolution's filters, as a grid (PNG).",
        discussion:
            "Each tile is scaled to its own minimum and maximum (black to white); filters with three input channels are drawn in colour."
    )

    @OptionGroup var checkpoint: CheckpointOptions
    @Option(help: "A PNG, JPEG, PGM or PPM image (of any size), or idx:FILE:INDEX (not needed with --filters).") var input:
        String?
    @Option(
        help: "The layer whose output to show, by its name in the state dict without .weight, e.g. 0 or 3 (see `fovea summary`).")
    var layer: String?
    @Flag(help: "Show the kernels of the first convolution instead of activation maps.") var filters = false
    @Option(help: "The PNG file to write.") var out: String

    func run() throws {
        let url = URL(fileURLWithPath: out)
        if filters {
            guard input == nil, layer == nil else {
                throw FoveaError.invalidArgument(
                    "--filters: shows the first convolution's kernels; leave out --input and --layer")
            }
            let (model, _) = try LoadedModel.load(checkpoint, inputShape: nil)
            let (path, weight) = try FeatureMaps.firstConvolutionWeight(in: model)
            let (out, inputs, height, width) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
            let channels = inputs == 3 ? 3 : 1
            let grid = FeatureMaps.grid(
                try weight.toArray(), count: out * inputs / channels, channels: channels, height: height, width: width,
                scale: FeatureMaps.scale(height: height, width: width, toAtLeast: 32))
            try ImageFile.writePNG(grid.values, shape: grid.shape, to: url)
            print("\(out * inputs / channels) filters of layer \(path) (\(weight.shape)) written to \(url.path)")
            return
        }
        guard let input, let layer else { throw FoveaError.invalidArgument("features: give --input and --layer, or --filters") }
        let decoded = try ImageInput.read(input)
        let (model, spec) = try LoadedModel.load(checkpoint, inputShape: decoded.shape)
        let batch = try ImageInput.batch(decoded, spec: spec, device: try checkpoint.resolvedDevice(), name: input)
        let maps = try FeatureMaps.activations(of: layer, in: model, input: batch)
        guard maps.rank == 4 else {
            throw FoveaError.invalidArgument(
                "--layer \(layer): gives \(maps.shape), not maps [1, channels, height, width]; choose a convolution, activation or pooling layer"
            )
        }
        let (count, height, width) = (maps.shape[1], maps.shape[2], maps.shape[3])
        let grid = FeatureMaps.grid(
            try maps.toArray(), count: count, channels: 1, height: height, width: width,
            scale: FeatureMaps.scale(height: height, width: width, toAtLeast: 64))
        try ImageFile.writePNG(grid.values, shape: grid.shape, to: url)
        print("\(count) maps of \(height)x\(width) from layer \(layer) written to \(url.path)")
    }
}
