import Foundation
import FoveaCore
import FoveaTestSupport
import Testing

@testable import FoveaData

/// PNG and JPEG decoding against files Pillow wrote and decoded (`Fixtures/make_images.py`).
@Suite struct ImageFileTests {
    static let fixtures = repositoryRoot.appendingPathComponent("Tests/FoveaDataTests/Fixtures")
    static let names = [
        "gray.png", "rgb.png", "rgba.png", "palette.png", "gray16.png", "gray-alpha16.png", "rgb.jpg", "gray.jpg",
    ]

    struct Expected: Decodable {
        let shape: [Int]
        let values: [Int]
        /// The largest sample: 255, or 65535 for 16-bit files.
        let maximum: Int?
    }

    static func expected() throws -> [String: Expected] {
        try JSONDecoder().decode(
            [String: Expected].self, from: Data(contentsOf: fixtures.appendingPathComponent("expected.json")))
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("images/\(name)")))
    }

    @Test(arguments: names)
    func decodesAsPillowDoes(name: String) throws {
        let reference = try #require(try Self.expected()[name])
        let image = try ImageFile.read(Self.fixtures.appendingPathComponent("images/\(name)"))
        #expect(image.shape == Shape(reference.shape))
        // PNG is lossless: exact, but for the round trip through libpng's premultiplied 16-bit alpha (within 1 of 65535).
        // JPEG decoders may round their inverse DCT differently: within 2 of 255.
        let tolerance: Float = name.hasSuffix(".jpg") ? 2 : name == "gray-alpha16.png" ? 1 : 0
        let maximum = Float(reference.maximum ?? 255)
        let worst = zip(image.values, reference.values).map { abs($0 * maximum - Float($1)) }.max() ?? .infinity
        #expect(worst <= tolerance + 1e-2, "\(name): largest difference \(worst) of \(maximum)")
    }

    @Test(arguments: names)
    func truncatedFilesAreErrorsNamingTheFile(name: String) throws {
        let whole = try Self.bytes(name)
        // A PNG without its closing IEND chunk (12 bytes) still holds every pixel: libpng, like Pillow, reads it.
        for length in [8, whole.count / 2, whole.count - 16] {
            #expect {
                _ = try ImageFile.decode(Array(whole.prefix(length)), name: "cut-\(name)")
            } throws: { error in
                "\(error)".hasPrefix("cut-\(name): ") && "\(error)".contains("truncated")
            }
        }
    }

    @Test func corruptDataIsAnErrorNamingTheFile() throws {
        var png = try Self.bytes("rgb.png")
        png[png.count - 20] ^= 0xFF  // inside the image data: the checksum no longer matches
        #expect(throws: FoveaError.self) { _ = try ImageFile.decode(png, name: "bad.png") }
        let text = Array("GIF89a....".utf8)
        #expect(
            throws: FoveaError.badFile(
                path: "photo.gif", reason: "not a PNG, JPEG, PGM or PPM image (it starts with bytes 47 49 46 38)")
        ) {
            _ = try ImageFile.decode(text, name: "photo.gif")
        }
    }

    @Test func headersPromisingMoreThanTheFileHoldsAreRefusedBeforeAllocating() throws {
        var png = try Self.bytes("gray.png")
        // IHDR's width and height (bytes 16-23): 60000 x 60000, larger than any image Fovea takes.
        png.replaceSubrange(16..<24, with: [0, 0, 0xEA, 0x60, 0, 0, 0xEA, 0x60])
        #expect { _ = try ImageFile.decode(png, name: "huge.png") } throws: { "\($0)".hasPrefix("huge.png: ") }
        // 4000 x 4000 is a sane size, but not for a 78-byte file.
        png.replaceSubrange(16..<24, with: [0, 0, 0x0F, 0xA0, 0, 0, 0x0F, 0xA0])
        #expect { _ = try ImageFile.decode(png, name: "lying.png") } throws: { "\($0)".hasPrefix("lying.png: ") }
    }

    @Test func bilinearResizeMatchesPyTorch() {
        // F.interpolate(torch.tensor([[[[0., 1], [2, 3]]]]), size=(4, 4), mode="bilinear", align_corners=False)
        let up = ImageProcessing.resized([0, 1, 2, 3], shape: [1, 2, 2], height: 4, width: 4)
        #expect(allClose(up, [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3]))
        // Halving takes the mean of each 2 x 2 block.
        let down = ImageProcessing.resized((0..<16).map(Float.init), shape: [1, 4, 4], height: 2, width: 2)
        #expect(allClose(down, [2.5, 4.5, 10.5, 12.5]))
    }

    @Test func channelConversion() throws {
        let rgb: [Float] = [1, 0, 0, 1, 0, 0]
        #expect(allClose(try ImageProcessing.converted(rgb, shape: [3, 1, 2], channels: 1), [0.299, 0.587]))
        #expect(try ImageProcessing.converted([0.5, 1], shape: [1, 1, 2], channels: 3) == [0.5, 1, 0.5, 1, 0.5, 1])
    }
}
