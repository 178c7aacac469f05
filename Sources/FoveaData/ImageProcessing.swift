import FoveaCore

/// Resizing and channel conversion of planar images ([channels, height, width] floats).
public enum ImageProcessing {
    /// `values` resized to `height` x `width` by bilinear interpolation with half-pixel centres, as PyTorch's
    /// `F.interpolate(mode="bilinear", align_corners=False)` (without antialiasing).
    public static func resized(_ values: [Float], shape: Shape, height: Int, width: Int) -> [Float] {
        precondition(shape.rank == 3 && height > 0 && width > 0, "resized: needs a [C, H, W] image and a positive size")
        let (channels, inHeight, inWidth) = (shape[0], shape[1], shape[2])
        if inHeight == height && inWidth == width { return values }
        let rows = taps(from: inHeight, to: height), columns = taps(from: inWidth, to: width)
        var result = [Float](repeating: 0, count: channels * height * width)
        for c in 0..<channels {
            let plane = c * inHeight * inWidth, out = c * height * width
            for (y, row) in rows.enumerated() {
                let top = plane + row.low * inWidth, bottom = plane + row.high * inWidth
                for (x, column) in columns.enumerated() {
                    let upper = values[top + column.low] * (1 - column.weight) + values[top + column.high] * column.weight
                    let lower = values[bottom + column.low] * (1 - column.weight) + values[bottom + column.high] * column.weight
                    result[out + y * width + x] = upper * (1 - row.weight) + lower * row.weight
                }
            }
        }
        return result
    }

    /// For each output index, the two input indices it blends and the weight of the second.
    private static func taps(from input: Int, to output: Int) -> [(low: Int, high: Int, weight: Float)] {
        let scale = Float(input) / Float(output)
        return (0..<output).map { index in
            let source = max(0, (Float(index) + 0.5) * scale - 0.5)
            let low = min(Int(source), input - 1)
            return (low, min(low + 1, input - 1), source - Float(low))
        }
    }

    /// `values` with `channels` channels: grayscale to RGB repeats the plane; RGB to grayscale takes the luma
    /// 0.299 R + 0.587 G + 0.114 B (ITU-R 601, as PIL's `convert("L")`).
    public static func converted(_ values: [Float], shape: Shape, channels: Int) throws -> [Float] {
        let (from, plane) = (shape[0], shape[1] * shape[2])
        switch (from, channels) {
        case _ where from == channels: return values
        case (1, 3): return values + values + values
        case (3, 1): return (0..<plane).map { 0.299 * values[$0] + 0.587 * values[plane + $0] + 0.114 * values[2 * plane + $0] }
        default: throw FoveaError.invalidArgument("cannot convert an image of \(from) channels to \(channels) (1 or 3)")
        }
    }

    /// `image` converted to `shape`'s channels and resized to its height and width.
    public static func fitted(_ image: (values: [Float], shape: Shape), to shape: Shape) throws -> [Float] {
        let channels = try converted(image.values, shape: image.shape, channels: shape[0])
        return resized(channels, shape: [shape[0], image.shape[1], image.shape[2]], height: shape[1], width: shape[2])
    }
}
