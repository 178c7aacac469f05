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
            return .badFile(path: name, reason: "corrupt or truncated PNG: \(what) (\(message.isEmpty ? "libpng gave no reason" : message))")
        }
        guard bytes.withUnsafeBytes({ png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }) != 0 else {
            throw failure("cannot read its header")
        }
        let width = Int(image.width), height = Int(image.height)
        try ImageFile.checkSize(width: width, height: height, fileBytes: bytes.count, name: name)
        let color = image.format & png_uint_32(PNG_FORMAT_FLAG_COLOR) != 0
        let alpha = image.format & png_uint_32(PNG_FORMAT_FLAG_ALPHA) != 0
        let channels = color ? 3 : 1
        let stored = channels + (alpha ? 1 : 0)
        // 8-bit sRGB samples; an alpha channel is read and then dropped, so colours are kept as stored.
        image.format = png_uint_32(color ? PNG_FORMAT_FLAG_COLOR : 0) | png_uint_32(alpha ? PNG_FORMAT_FLAG_ALPHA : 0)
        var samples = [UInt8](repeating: 0, count: width * height * stored)
        let finished = samples.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        guard finished != 0 else { throw failure("cannot decode its pixels") }
        return (ImageFile.planar(samples, width: width, height: height, stored: stored, channels: channels), [channels, height, width])
    }
}
