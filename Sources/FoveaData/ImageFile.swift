import Foundation
import FoveaCore

/// PNG and JPEG files (recognized by their content, not their name), and PGM/PPM for the older readers, decoded to
/// [channels, height, width] floats in [0, 1]: one channel for grayscale images, three for colour ones.
///
/// PNG goes through libpng's simplified API and JPEG through libjpeg-turbo's TurboJPEG API. Alpha is dropped (as
/// PIL's `convert("RGB")` does); 16-bit PNG samples keep their 16-bit precision; palette images become RGB. A corrupt or
/// truncated file is a `FoveaError.badFile` naming it.
public enum ImageFile {
    /// The most pixels an image may have (8192 x 8192).
    public static let largestImage = 1 << 26
    /// The most pixels one byte of a file can describe: deflate inflates at most 1032:1 and a PNG pixel takes at least
    /// one bit; a JPEG takes at least one bit for each 8x8 block. A header promising more is lying.
    static let pixelsPerByte = 8 * 1032

    /// The extensions `ImageFolder` picks up (lowercased).
    public static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    /// Decodes the image in `url`.
    public static func read(_ url: URL) throws -> (values: [Float], shape: Shape) {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw FoveaError.badFile(path: url.path, reason: "no such file")
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw FoveaError.file(url.path, error, doing: "cannot read the image") }
        return try decode([UInt8](data), name: url.path)
    }

    /// Decodes the content of a PNG, JPEG, PGM or PPM file; `name` stands for the file in errors.
    public static func decode(_ bytes: [UInt8], name: String) throws -> (values: [Float], shape: Shape) {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            return try PNGDecoder.decode(bytes, name: name)
        }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return try JPEGDecoder.decode(bytes, name: name) }
        if bytes.count >= 2, bytes[0] == UInt8(ascii: "P"), (UInt8(ascii: "2")...UInt8(ascii: "6")).contains(bytes[1]) {
            return try PortableAnymap.decode(bytes, name: name)
        }
        let start = bytes.prefix(4).map { String(format: "%02x", $0) }.joined(separator: " ")
        throw FoveaError.badFile(path: name, reason: "not a PNG, JPEG, PGM or PPM image (it starts with bytes \(start))")
    }

    /// Checks a header's size against the sane maximum and the bytes present, before it sizes anything.
    static func checkSize(width: Int, height: Int, fileBytes: Int, name: String) throws {
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard width > 0, height > 0 else {
            throw FoveaError.badFile(path: name, reason: "corrupt or truncated: its header gives a \(width)x\(height) image")
        }
        guard !overflow, pixels <= largestImage else {
            throw FoveaError.badFile(
                path: name, reason: "a \(width)x\(height) image is larger than the \(largestImage) pixels Fovea reads")
        }
        guard pixels <= fileBytes * pixelsPerByte else {
            throw FoveaError.badFile(
                path: name, reason: "truncated or corrupt: \(fileBytes) bytes cannot hold a \(width)x\(height) image")
        }
    }

    /// Interleaved 8- or 16-bit samples (HWC, `stored` per pixel) to planar floats in [0, 1] (CHW), keeping
    /// `channels` of them.
    static func planar<Sample: FixedWidthInteger & UnsignedInteger>(
        _ samples: [Sample], width: Int, height: Int, stored: Int,
        channels: Int
    ) -> [Float] {
        let pixels = width * height, maximum = Float(Sample.max)
        var values = [Float](repeating: 0, count: pixels * channels)
        for pixel in 0..<pixels {
            for c in 0..<channels { values[c * pixels + pixel] = Float(samples[pixel * stored + c]) / maximum }
        }
        return values
    }
}
