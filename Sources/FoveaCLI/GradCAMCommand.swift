import ArgumentParser
import Foundation
import Fovea

/// `fovea gradcam`: where a checkpoint's model looks in an image, as a Grad-CAM heatmap over it.
struct GradCAMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradcam", abstract: "Write a Grad-CAM heatmap of an image over it (PNG).",
        discussion: """
            The class score's gradient with respect to a convolution layer's activations, averaged per channel, weighs \
            the channels' maps; the ReLU of their weighted sum, upsampled to the image's size and scaled to [0, 1], is \
            drawn in the JET colours (blue: none, red: most) half and half over the image.
            """)

    @OptionGroup var checkpoint: CheckpointOptions
    @Option(help: "A PNG, JPEG, PGM or PPM image (of any size), or idx:FILE:INDEX.") var input: String
    @Option(
        help: "The convolution layer to explain, by its name in the state dict without .weight (default: the last convolution).")
    var layer: String?
    @Option(name: .customLong("class"), help: "The class to explain, by index or name (default: the predicted class).")
    var classChoice: String?
    @Option(help: "The PNG file to write.") var out: String

    func run() throws {
        let decoded = try ImageInput.read(input)
        let (model, spec) = try LoadedModel.load(checkpoint, inputShape: decoded.shape)
        let batch = try ImageInput.batch(decoded, spec: spec, device: try checkpoint.resolvedDevice(), name: input)
        let classIndex = try classChoice.map { choice in
            guard let index = Int(choice) ?? spec.classNames.firstIndex(of: choice), spec.classNames.indices.contains(index)
            else {
                throw FoveaError.invalidArgument(
                    "--class \(choice): use an index in 0..<\(spec.classes) or one of \(spec.classNames.joined(separator: ", "))")
            }
            return index
        }
        let result = try GradCAM.compute(
            model: model, input: batch, layer: layer, classIndex: classIndex,
            size: (decoded.shape[1], decoded.shape[2]))
        let picture = try GradCAM.overlay(result.heatmap, on: decoded.values, shape: decoded.shape)
        let url = URL(fileURLWithPath: out)
        try ImageFile.writePNG(picture, shape: [3, result.height, result.width], to: url)
        print(
            String(
                format: "predicted %@ (class %d) with probability %.2f%%", spec.classNames[result.predicted.classIndex],
                result.predicted.classIndex, 100 * result.predicted.probability))
        print(
            "Grad-CAM of class \(spec.classNames[result.classIndex]) through layer \(try layer ?? GradCAM.lastConvolution(in: model)) written to \(url.path)"
        )
    }
}
