/// Tiles images into one grid image, as torchvision's `make_grid` does, for TensorBoard and reports.
public enum ImageGrid {
    /// `images` (each [channels, height, width] of `shape`) in rows of `columns`, `padding` pixels apart on a
    /// white ground. An image with values outside [0, 1] (a normalized one) is scaled to [0, 1] by its own range.
    public static func tile(_ images: [[Float]], shape: Shape, columns: Int = 8, padding: Int = 2) -> (
        values: [Float], shape: Shape
    ) {
        precondition(shape.rank == 3 && columns > 0 && padding >= 0, "ImageGrid.tile: expected [channels, height, width] images")
        let (channels, height, width) = (shape[0], shape[1], shape[2])
        let across = max(1, min(columns, images.count)), down = max(1, (images.count + columns - 1) / columns)
        let gridHeight = down * height + (down + 1) * padding, gridWidth = across * width + (across + 1) * padding
        var grid = [Float](repeating: 1, count: channels * gridHeight * gridWidth)
        for (number, image) in images.enumerated() {
            precondition(
                image.count == shape.count, "ImageGrid.tile: image \(number) has \(image.count) values, not \(shape.count)")
            let scaled = scaledToUnit(image)
            let top = padding + (number / columns) * (height + padding), left = padding + (number % columns) * (width + padding)
            for channel in 0..<channels {
                for row in 0..<height {
                    let source = (channel * height + row) * width
                    let target = (channel * gridHeight + top + row) * gridWidth + left
                    grid.replaceSubrange(target..<target + width, with: scaled[source..<source + width])
                }
            }
        }
        return (grid, [channels, gridHeight, gridWidth])
    }

    private static func scaledToUnit(_ image: [Float]) -> [Float] {
        guard let low = image.min(), let high = image.max(), low < 0 || high > 1 else { return image }
        let range = high - low > 0 ? high - low : 1
        return image.map { ($0 - low) / range }
    }
}
