import CZlib
import Foundation
import FoveaCore

/// A minimal PNG encoder: 8-bit grayscale or RGB, one zlib-compressed IDAT chunk, no filtering.
public enum PNG {
    /// The PNG file for `pixels`, row after row, `channels` interleaved bytes per pixel (1: gray, 3: RGB).
    public static func encode(pixels: [UInt8], width: Int, height: Int, channels: Int) throws -> Data {
        guard channels == 1 || channels == 3 else {
            throw FoveaError.invalidArgument("PNG.encode: \(channels) channels; use 1 (gray) or 3 (RGB)")
        }
        guard width > 0, height > 0, width < 1 << 24, height < 1 << 24, pixels.count == width * height * channels else {
            throw FoveaError.invalidArgument("PNG.encode: \(pixels.count) bytes do not make a \(width)x\(height) image of \(channels) channels")
        }
        // Each row starts with its filter type, 0 (none).
        var rows = [UInt8]()
        rows.reserveCapacity(height * (width * channels + 1))
        for row in 0..<height {
            rows.append(0)
            rows += pixels[row * width * channels..<(row + 1) * width * channels]
        }
        var header = Data()
        header.appendBigEndian(UInt32(width))
        header.appendBigEndian(UInt32(height))
        header += [8, channels == 1 ? 0 : 2, 0, 0, 0]  // bit depth, colour type, compression, filter, interlace
        var file = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        appendChunk("IHDR", header, to: &file)
        appendChunk("IDAT", try deflate(rows), to: &file)
        appendChunk("IEND", Data(), to: &file)
        return file
    }

    /// `values` [channels, height, width] (channels 1 or 3) in [0, 1] as a PNG; values outside are clamped.
    public static func encode(values: [Float], shape: Shape) throws -> Data {
        guard shape.rank == 3, values.count == shape.count else {
            throw FoveaError.invalidArgument("PNG.encode: expected [channels, height, width] values, got \(values.count) for \(shape)")
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

    private static func appendChunk(_ type: String, _ body: Data, to file: inout Data) {
        file.appendBigEndian(UInt32(body.count))
        let typed = Data(type.utf8) + body
        file += typed
        let crc = typed.withUnsafeBytes { crc32(0, $0.bindMemory(to: Bytef.self).baseAddress, uInt($0.count)) }
        file.appendBigEndian(UInt32(crc))
    }

    private static func deflate(_ bytes: [UInt8]) throws -> Data {
        var size = compressBound(uLong(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(size))
        let status = output.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { compress2(out.baseAddress, &size, $0.baseAddress, uLong(bytes.count), 6) }
        }
        guard status == Z_OK else { throw FoveaError.invalidArgument("PNG.encode: zlib compress2 failed with status \(status)") }
        return Data(output.prefix(Int(size)))
    }
}
