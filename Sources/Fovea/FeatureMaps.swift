import Foundation

/// What a network computes inside: a layer's activation maps for an input, and the first convolution's kernels,
/// laid out as one image of tiles.
public enum FeatureMaps {
    /// The output of the module at `layer` (a path of `namedModules`) when `model` runs on `input`, read by a
    /// forward hook; no gradients are recorded.
    public static func activations(of layer: String, in model: some UnaryLayer, input: Tensor) throws -> Tensor {
        let target = try model.unaryLayer(named: layer)
        var captured: Tensor?
        let hook = target.registerForwardHook { _, _, output in
            captured = output
            return nil
        }
        defer { hook.remove() }
        _ = try withNoGrad { try model(input) }
        guard let captured else { throw FoveaError.invalidArgument("layer '\(layer)' did not run in the forward pass") }
        return captured
    }

    /// The kernels of `model`'s first `Conv2D` ([out, in, kh, kw]) and its path.
    public static func firstConvolutionWeight(in model: Module) throws -> (path: String, weight: Tensor) {
        guard let (path, module) = model.namedModules.first(where: { $0.1 is Conv2D }), let conv = module as? Conv2D else {
            throw FoveaError.invalidArgument("the model has no convolution layer (\(model.typeName))")
        }
        return (path, conv.weight.value)
    }

    /// `count` tiles of `channels` x `height` x `width` values (tile after tile, planar), each min-max scaled to
    /// [0, 1] on its own, enlarged `scale` times (nearest neighbour) and laid out in a near-square grid with one
    /// white pixel between tiles: a [channels, H, W] image.
    public static func grid(_ values: [Float], count: Int, channels: Int, height: Int, width: Int, scale: Int = 1) -> (
        values: [Float], shape: Shape
    ) {
        precondition(
            count > 0 && values.count == count * channels * height * width && scale > 0, "grid: sizes do not match the values")
        let columns = Int(Double(count).squareRoot().rounded(.up)), rows = (count + columns - 1) / columns
        let (tileHeight, tileWidth) = (height * scale, width * scale)
        let outHeight = rows * (tileHeight + 1) - 1, outWidth = columns * (tileWidth + 1) - 1
        var image = [Float](repeating: 1, count: channels * outHeight * outWidth)
        let tileSize = channels * height * width
        for tile in 0..<count {
            let part = values[tile * tileSize..<(tile + 1) * tileSize]
            let low = part.min()!, high = part.max()!
            let top = (tile / columns) * (tileHeight + 1), left = (tile % columns) * (tileWidth + 1)
            for c in 0..<channels {
                for y in 0..<tileHeight {
                    for x in 0..<tileWidth {
                        let value = part[part.startIndex + (c * height + y / scale) * width + x / scale]
                        image[(c * outHeight + top + y) * outWidth + left + x] = high > low ? (value - low) / (high - low) : 0.5
                    }
                }
            }
        }
        return (image, [channels, outHeight, outWidth])
    }

    /// The whole-number enlargement that makes a tile of `height` x `width` at least `pixels` on its longer side.
    public static func scale(height: Int, width: Int, toAtLeast pixels: Int) -> Int {
        max(1, (pixels + max(height, width) - 1) / max(height, width))
    }
}
