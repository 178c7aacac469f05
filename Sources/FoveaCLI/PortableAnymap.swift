import Foundation
import Fovea

/// PGM (P2, P5) and PPM (P3, P6) images, 8 or 16 bits per sample.
enum PortableAnymap {
    /// The image as [channels, height, width] floats in [0, 1].
    static func read(_ url: URL) throws -> (values: [Float], shape: Shape) {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw FoveaError.badFile(path: url.path, reason: "no such file")
        }
        let bytes = [UInt8](data)
        var position = 0
        func token() throws -> String {
            while position < bytes.count {
                if bytes[position] == UInt8(ascii: "#") {
                    while position < bytes.count && bytes[position] != 10 { position += 1 }
                } else if [9, 10, 13, 32].contains(bytes[position]) { position += 1 } else { break }
            }
            let start = position
            while position < bytes.count && ![9, 10, 13, 32].contains(bytes[position]) { position += 1 }
            guard start < position else { throw FoveaError.badFile(path: url.path, reason: "truncated header") }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }
        let magic = try token()
        guard ["P2", "P3", "P5", "P6"].contains(magic) else {
            throw FoveaError.badFile(path: url.path, reason: "not a PGM/PPM image (magic '\(magic)', expected P2, P3, P5 or P6)")
        }
        guard let width = Int(try token()), let height = Int(try token()), let maxValue = Int(try token()),
              width > 0, height > 0, maxValue > 0, maxValue < 65536 else {
            throw FoveaError.badFile(path: url.path, reason: "malformed width, height or maximum value")
        }
        let channels = magic == "P3" || magic == "P6" ? 3 : 1
        let count = width * height * channels
        var samples = [Float](repeating: 0, count: count)
        if magic == "P2" || magic == "P3" {
            for i in 0..<count {
                guard let value = Int(try token()) else { throw FoveaError.badFile(path: url.path, reason: "non-numeric sample \(i)") }
                samples[i] = Float(value) / Float(maxValue)
            }
        } else {
            position += 1
            let width16 = maxValue > 255 ? 2 : 1
            guard bytes.count - position >= count * width16 else {
                throw FoveaError.badFile(path: url.path, reason: "truncated: \(count * width16) bytes of pixels expected, \(bytes.count - position) present")
            }
            for i in 0..<count {
                let value = width16 == 2 ? Int(bytes[position + 2 * i]) << 8 | Int(bytes[position + 2 * i + 1]) : Int(bytes[position + i])
                samples[i] = Float(value) / Float(maxValue)
            }
        }
        // Interleaved RGB -> planar CHW.
        var planar = samples
        if channels == 3 {
            for pixel in 0..<(width * height) { for c in 0..<3 { planar[c * width * height + pixel] = samples[pixel * 3 + c] } }
        }
        return (planar, [channels, height, width])
    }
}
