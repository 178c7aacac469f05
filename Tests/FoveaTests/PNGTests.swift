import Foundation
import Fovea
import Testing

/// The PNG encoder (libpng), decoded back independently by Python's zlib (skipped with a message when python3 is missing).
@Suite struct PNGTests {
    /// Checks the signature and every chunk's CRC-32, inflates the IDAT data, undoes the row filters (None, Sub, Up,
    /// Average, Paeth, as the PNG specification defines them) and prints "width height colour-type" and the pixels in hex.
    static let decoder = """
        import struct, sys, zlib
        data = open(sys.argv[1], "rb").read()
        assert data[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
        offset, chunks = 8, {}
        while offset < len(data):
            length, kind = struct.unpack(">I4s", data[offset:offset + 8])
            body = data[offset + 8:offset + 8 + length]
            assert struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])[0] == zlib.crc32(kind + body), kind
            chunks[kind] = chunks.get(kind, b"") + body
            offset += 12 + length
        width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
        raw = zlib.decompress(chunks[b"IDAT"])
        bpp = {0: 1, 2: 3}[colour]
        stride = width * bpp
        out, previous = b"", bytes(stride)
        for r in range(height):
            kind, line = raw[r * (stride + 1)], bytearray(raw[r * (stride + 1) + 1:(r + 1) * (stride + 1)])
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = previous[i]
                c = previous[i - bpp] if i >= bpp else 0
                p = a + b - c
                paeth = a if abs(p - a) <= abs(p - b) and abs(p - a) <= abs(p - c) else (b if abs(p - b) <= abs(p - c) else c)
                line[i] = (line[i] + [0, a, b, (a + b) // 2, paeth][kind]) & 0xFF
            out += bytes(line)
            previous = bytes(line)
        print(width, height, colour, out.hex())
        """

    static func decode(_ png: Data) throws -> String? {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("image.png")
        try png.write(to: file)
        guard let (status, output) = try PythonScript.run(["-c", decoder, file.path]) else {
            print("PNGTests: skipping the decode by Python's zlib: python3 is not available")
            return nil
        }
        #expect(status == 0)
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func grayAndColourImagesDecodeBack() throws {
        let gray = try PNG.encode(pixels: [0, 128, 255, 1, 2, 3], width: 3, height: 2, channels: 1)
        #expect(gray.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        if let decoded = try Self.decode(gray) { #expect(decoded == "3 2 0 0080ff010203") }
        // [channels, height, width] floats: red, green, blue planes of a 2x1 image.
        let colour = try PNG.encode(values: [1, 0, 0, 0.5, 0, 2], shape: [3, 1, 2])
        if let decoded = try Self.decode(colour) { #expect(decoded == "2 1 2 ff00000080ff") }
    }

    @Test func refusesImpossibleSizes() {
        #expect(throws: FoveaError.self) { try PNG.encode(pixels: [1, 2, 3], width: 2, height: 2, channels: 1) }
        #expect(throws: FoveaError.self) { try PNG.encode(pixels: [1, 2], width: 1, height: 1, channels: 2) }
        #expect(throws: FoveaError.self) { try PNG.encode(values: [0, 1], shape: [2]) }
    }
}
