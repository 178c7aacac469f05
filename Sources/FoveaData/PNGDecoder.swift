import CPNG
import FoveaCore

/// PNG decoding through libpng's simplified API (`png_image_*`), which reports errors in `png_image.message`
/// instead of jumping out of Swift code with longjmp.
enum PNGDecoder {
    static func decode(_ bytes: [UInt8], name: String) throws -> (values: [Float], shape: Shape) {
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        func failure(_ what: String) -> FoveaError {
            let message = withUnsafeBytes(of: image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            return .badFile(
                path: name, reason: "corrupt or truncated PNG: \(what) (\(message.isEmpty ? "libpng gave no reason" : message))")
        }
        guard bytes.withUnsafeBytes({ png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }) != 0 else {
            throw failure("cannot read its header")
        }
        let width = Int(image.width), height = Int(image.height)
        try ImageFile.checkSize(width: width, height: height, fileBytes: bytes.count, name: name)
        let color = image.format & png_uint_32(PNG_FORMAT_FLAG_COLOR) != 0
        let alpha = image.format & png_uint_32(PNG_FORMAT_FLAG_ALPHA) != 0
        let sixteenBit = image.format & png_uint_32(PNG_FORMAT_FLAG_LINEAR) != 0
        let channels = color ? 3 : 1
        let stored = channels + (alpha ? 1 : 0)
        // 8-bit files as 8-bit sRGB samples, 16-bit ones as their 16-bit values (libpng's "linear" output, which it
        // leaves as stored unless the file says otherwise); an alpha channel is read and then dropped.
        image.format =
            png_uint_32(color ? PNG_FORMAT_FLAG_COLOR : 0) | png_uint_32(alpha ? PNG_FORMAT_FLAG_ALPHA : 0)
            | png_uint_32(sixteenBit ? PNG_FORMAT_FLAG_LINEAR : 0)
        let values: [Float]
        if sixteenBit {
            var samples = [UInt16](repeating: 0, count: width * height * stored)
            let finished = samples.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
            guard finished != 0 else { throw failure("cannot decode its pixels") }
            if alpha { unpremultiply(&samples, channels: channels) }
            values = ImageFile.planar(samples, width: width, height: height, stored: stored, channels: channels)
        } else {
            var samples = [UInt8](repeating: 0, count: width * height * stored)
            let finished = samples.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
            guard finished != 0 else { throw failure("cannot decode its pixels") }
            values = ImageFile.planar(samples, width: width, height: height, stored: stored, channels: channels)
        }
        return (values, [channels, height, width])
    }

    /// libpng's linear output multiplies colour by alpha: divide it back out (colour as stored, alpha then dropped).
    private static func unpremultiply(_ samples: inout [UInt16], channels: Int) {
        for pixel in stride(from: 0, to: samples.count, by: channels + 1) {
            let coverage = UInt32(samples[pixel + channels])
            guard coverage > 0 else { continue }
            for c in 0..<channels {
                samples[pixel + c] = UInt16(min(65535, (UInt32(samples[pixel + c]) * 65535 + coverage / 2) / coverage))
            }
        }
    }
}
