import CPNG
import Foundation
import FoveaCore

/// PNG encoding through libpng's simplified API: 8-bit grayscale or RGB.
public enum PNG {
    /// The PNG file for `pixels`, row after row, `channels` interleaved bytes per pixel (1: gray, 3: RGB).
    public static func encode(pixels: [UInt8], width: Int, height: Int, channels: Int) throws -> Data {
        guard channels == 1 || channels == 3 else {
            throw FoveaError.invalidArgument("PNG.encode: \(channels) channels; use 1 (gray) or 3 (RGB)")
        }
        guard width > 0, height > 0, width < 1 << 24, height < 1 << 24, pixels.count == width * height * channels else {
            throw FoveaError.invalidArgument(
                "PNG.encode: \(pixels.count) bytes do not make a \(width)x\(height) image of \(channels) channels")
        }
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = png_uint_32(width)
        image.height = png_uint_32(height)
        image.format = png_uint_32(channels == 3 ? PNG_FORMAT_FLAG_COLOR : 0)
        defer { png_image_free(&image) }
        // The first call measures, the second writes.
        var size: png_alloc_size_t = 0
        var file = Data()
        let written = pixels.withUnsafeBytes { source -> Int32 in
            guard png_image_write_to_memory(&image, nil, &size, 0, source.baseAddress, 0, nil) != 0 else { return 0 }
            file = Data(count: Int(size))
            return file.withUnsafeMutableBytes {
                png_image_write_to_memory(&image, $0.baseAddress, &size, 0, source.baseAddress, 0, nil)
            }
        }
        guard written != 0 else {
            let message = withUnsafeBytes(of: image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            throw FoveaError.invalidArgument("PNG.encode: libpng could not write the image (\(message))")
        }
        return file.prefix(Int(size))
    }

    /// `values` [channels, height, width] (channels 1 or 3) in [0, 1] as a PNG; values outside (and NaN) are clamped.
    public static func encode(values: [Float], shape: Shape) throws -> Data {
        guard shape.rank == 3, values.count == shape.count else {
            throw FoveaError.invalidArgument(
                "PNG.encode: expected [channels, height, width] values, got \(values.count) for \(shape)")
        }
        let (channels, height, width) = (shape[0], shape[1], shape[2])
        var pixels = [UInt8](repeating: 0, count: values.count)
        for channel in 0..<channels {
            for index in 0..<height * width {
                let value = values[channel * height * width + index]
                pixels[index * channels + channel] = UInt8((min(max(value.isNaN ? 0 : value, 0), 1) * 255).rounded())
            }
        }
        return try encode(pixels: pixels, width: width, height: height, channels: channels)
    }
}
