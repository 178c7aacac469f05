import Foundation
import FoveaCore

/// PGM (P2, P5) and PPM (P3, P6) images, 8 or 16 bits per sample.
public enum PortableAnymap {
    /// The image in `url` as [channels, height, width] floats in [0, 1].
    public static func read(_ url: URL) throws -> (values: [Float], shape: Shape) {
        try decode(ByteStream(file: url).readToEnd(), name: url.path)
    }

    /// Decodes the content of a PGM/PPM file; `name` stands for the file in errors. The header's sizes are checked
    /// against the bytes present before anything is allocated.
    public static func decode(_ bytes: [UInt8], name path: String) throws -> (values: [Float], shape: Shape) {
        func bad(_ reason: String) -> FoveaError { .badFile(path: path, reason: reason) }
        var position = 0
        func isSpace(_ byte: UInt8) -> Bool { byte == 9 || byte == 10 || byte == 13 || byte == 32 }
        func token() throws -> String {
            while position < bytes.count {
                if bytes[position] == UInt8(ascii: "#") {
                    while position < bytes.count && bytes[position] != 10 { position += 1 }
                } else if isSpace(bytes[position]) {
                    position += 1
                } else {
                    break
                }
            }
            let start = position
            while position < bytes.count && !isSpace(bytes[position]) && position - start < 32 { position += 1 }
            guard start < position else { throw bad("truncated header") }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "P"),
            [UInt8(ascii: "2"), UInt8(ascii: "3"), UInt8(ascii: "5"), UInt8(ascii: "6")].contains(bytes[1])
        else {
            let start = bytes.prefix(4).map { String(format: "%02x", $0) }.joined(separator: " ")
            throw bad("not a PGM/PPM image (it starts with bytes \(start); expected P2, P3, P5 or P6)")
        }
        let magic = try token()
        guard let width = Int(try token()), let height = Int(try token()), let maxValue = Int(try token()),
            width > 0, height > 0, maxValue > 0, maxValue < 65536
        else {
            throw bad("malformed width, height or maximum value")
        }
        let channels = magic == "P3" || magic == "P6" ? 3 : 1
        let binary = magic == "P5" || magic == "P6"
        let bytesPerSample = binary ? (maxValue > 255 ? 2 : 1) : 2  // text samples take a digit and a separator at least
        let available = bytes.count - position - (binary ? 1 : 0)
        let (pixels, overflow1) = width.multipliedReportingOverflow(by: height)
        let (count, overflow2) = pixels.multipliedReportingOverflow(by: channels)
        let (needed, overflow3) = count.multipliedReportingOverflow(by: bytesPerSample)
        let overflow = overflow1 || overflow2 || overflow3
        guard !overflow, needed - (binary ? 0 : 1) <= available else {
            let size =
                overflow
                ? "more than any file holds" : "\(binary ? "" : "at least ")\(needed - (binary ? 0 : 1)) bytes of samples"
            throw bad(
                "truncated: a \(width)x\(height) image with \(channels) channel\(channels > 1 ? "s" : "") needs \(size), \(max(available, 0)) present"
            )
        }
        var samples = [Float](repeating: 0, count: count)
        if binary {
            position += 1
            for i in 0..<count {
                let value =
                    bytesPerSample == 2
                    ? Int(bytes[position + 2 * i]) << 8 | Int(bytes[position + 2 * i + 1]) : Int(bytes[position + i])
                samples[i] = Float(min(value, maxValue)) / Float(maxValue)
            }
        } else {
            for i in 0..<count {
                guard let value = Int(try token()), value >= 0, value <= maxValue else {
                    throw bad("sample \(i) is not a number in 0...\(maxValue)")
                }
                samples[i] = Float(value) / Float(maxValue)
            }
        }
        // Interleaved RGB -> planar CHW.
        var planar = samples
        if channels == 3 {
            for pixel in 0..<pixels { for c in 0..<3 { planar[c * pixels + pixel] = samples[pixel * 3 + c] } }
        }
        return (planar, [channels, height, width])
    }
}
