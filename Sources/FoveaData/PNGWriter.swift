import CPNG
import Foundation
import FoveaCore

extension ImageFile {
    /// Writes a [channels, height, width] image of floats in [0, 1] (1 or 3 channels; values outside are clipped) as an
    /// 8-bit grayscale or RGB PNG file, through libpng's simplified API.
    public static func writePNG(_ values: [Float], shape: Shape, to url: URL) throws {
        guard shape.rank == 3, [1, 3].contains(shape[0]), shape[1] > 0, shape[2] > 0, values.count == shape.count else {
            throw FoveaError.invalidArgument("writePNG: expected [1 or 3, height, width] values, got \(values.count) values of shape \(shape)")
        }
        let (channels, height, width) = (shape[0], shape[1], shape[2])
        let pixels = height * width
        var samples = [UInt8](repeating: 0, count: values.count)
        for pixel in 0..<pixels {
            for c in 0..<channels {
                samples[pixel * channels + c] = UInt8((min(max(values[c * pixels + pixel], 0), 1) * 255).rounded())
            }
        }
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = png_uint_32(width)
        image.height = png_uint_32(height)
        image.format = png_uint_32(channels == 3 ? PNG_FORMAT_FLAG_COLOR : 0)
        defer { png_image_free(&image) }
        let written = samples.withUnsafeBytes { png_image_write_to_file(&image, url.path, 0, $0.baseAddress, 0, nil) }
        guard written != 0 else {
            let message = withUnsafeBytes(of: image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            throw FoveaError.badFile(path: url.path, reason: "cannot write the PNG image (\(message))")
        }
    }
}
