import Foundation

/// Grad-CAM (Selvaraju et al., 2017): where in the input a convolutional network looks for a class.
///
/// The class score's gradient with respect to a convolution layer's activations is averaged over each channel's map
/// (global average pooling) to weigh the channels; the ReLU of the weighted sum of the maps, upsampled (bilinear) to
/// the input's size and min-max scaled to [0, 1], is the heatmap. The work runs on the input's device.
public enum GradCAM {
    /// A heatmap and the class it explains.
    public struct Result {
        /// Height x width values in [0, 1] (row-major); all zero when the map is flat.
        public let heatmap: [Float]
        public let height: Int
        public let width: Int
        /// The class explained: the one asked for, or the most probable.
        public let classIndex: Int
        /// The model's most probable class and its probability (softmax of the logits).
        public let predicted: (classIndex: Int, probability: Float)
    }

    /// The path of `model`'s last `Conv2D` (in `namedModules` order), the layer Grad-CAM explains by default.
    public static func lastConvolution(in model: Module) throws -> String {
        guard let last = model.namedModules.last(where: { $0.1 is Conv2D }) else {
            throw FoveaError.invalidArgument("Grad-CAM: the model has no convolution layer (\(model.typeName))")
        }
        return last.0
    }

    /// The Grad-CAM heatmap of one input [1, C, H, W] for `classIndex` (default: the predicted class), through the
    /// layer at `layer` (default: the last convolution), upsampled to `size` (default: the input's height and width).
    /// Runs the model as it is (call `eval()` first); the parameters' gradients are cleared afterwards.
    public static func compute(
        model: some UnaryLayer, input: Tensor, layer: String? = nil, classIndex: Int? = nil,
        size: (height: Int, width: Int)? = nil
    ) throws -> Result {
        guard input.rank == 4, input.shape[0] == 1 else {
            throw FoveaError.invalidArgument("Grad-CAM: expected one input [1, C, H, W], got \(input.shape)")
        }
        let path = try layer ?? lastConvolution(in: model)
        let target = try model.unaryLayer(named: path)
        // The layer's output becomes a leaf, so backward stops there and leaves its gradient in `.grad`.
        var activation: Tensor?
        let hook = target.registerForwardHook { _, _, output in
            let leaf = output.detach()
            leaf.requiresGrad = true
            activation = leaf
            return leaf
        }
        defer { hook.remove(); model.zeroGrad() }
        let logits = try model(input)
        guard logits.rank == 2, let maps = activation, maps.rank == 4 else {
            throw FoveaError.invalidArgument(
                "Grad-CAM: layer '\(path)' must give [1, C, h, w] maps and the model [1, classes] logits; "
                    + "they are \(activation.map { "\($0.shape)" } ?? "never computed") and \(logits.shape)")
        }
        let probabilities = try logits.detach().softmax(axis: -1).toArray()
        let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] }!
        let chosen = classIndex ?? best
        guard probabilities.indices.contains(chosen) else {
            throw FoveaError.invalidArgument("Grad-CAM: class \(chosen) is outside 0..<\(probabilities.count)")
        }
        var selector = [Float](repeating: 0, count: probabilities.count)
        selector[chosen] = 1
        let score = try (logits * Tensor(selector, shape: logits.shape, device: logits.device)).sum()
        try score.backward()
        guard let gradient = maps.grad else {
            throw FoveaError.invalidArgument("Grad-CAM: the class score does not depend on layer '\(path)'")
        }
        let weights = try gradient.mean(axes: [2, 3], keepDims: true)
        let cam = try (maps * weights).sum(axes: [1]).relu().toArray()
        let (height, width) = size ?? (input.shape[2], input.shape[3])
        let upsampled = ImageProcessing.resized(cam, shape: [1, maps.shape[2], maps.shape[3]], height: height, width: width)
        let low = upsampled.min()!, high = upsampled.max()!
        let heatmap = high > low ? upsampled.map { ($0 - low) / (high - low) } : [Float](repeating: 0, count: upsampled.count)
        return Result(heatmap: heatmap, height: height, width: width, classIndex: chosen, predicted: (best, probabilities[best]))
    }

    /// The heatmap in the JET colormap (blue for 0, through cyan, yellow, to red for 1) blended half and half over
    /// `image` ([1 or 3, H, W] in [0, 1], the heatmap's size): a [3, H, W] image in [0, 1].
    public static func overlay(_ heatmap: [Float], on image: [Float], shape: Shape) throws -> [Float] {
        let rgb = try ImageProcessing.converted(image, shape: shape, channels: 3)
        let pixels = shape[1] * shape[2]
        precondition(heatmap.count == pixels, "overlay: the heatmap has \(heatmap.count) values for \(pixels) pixels")
        var result = rgb
        for pixel in 0..<pixels {
            let color = jet(heatmap[pixel])
            for (c, value) in [color.red, color.green, color.blue].enumerated() {
                result[c * pixels + pixel] = 0.5 * rgb[c * pixels + pixel] + 0.5 * value
            }
        }
        return result
    }

    /// The JET colormap's colour for `x` in [0, 1] (the usual piecewise-linear approximation of MATLAB's jet).
    public static func jet(_ x: Float) -> (red: Float, green: Float, blue: Float) {
        func ramp(_ centre: Float) -> Float { min(max(1.5 - abs(4 * x - centre), 0), 1) }
        return (ramp(3), ramp(2), ramp(1))
    }
}
