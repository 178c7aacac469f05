import Foundation
import FoveaCore
import FoveaData
import Testing

@Suite struct PortableAnymapTests {
    @Test func decodesTextAndBinaryGrayAndColour() throws {
        let p2 = try PortableAnymap.decode(Array("P2\n# comment\n3 1\n255\n0 51 255\n".utf8), name: "a.pgm")
        #expect(p2.shape == [1, 1, 3] && p2.values == [0, 0.2, 1])
        let p5 = try PortableAnymap.decode(Array("P5 2 1 255\n".utf8) + [0, 255], name: "b.pgm")
        #expect(p5.shape == [1, 1, 2] && p5.values == [0, 1])
        // Interleaved RGB comes out planar: all red, then green, then blue.
        let p6 = try PortableAnymap.decode(Array("P6 2 1 255\n".utf8) + [255, 0, 51, 0, 255, 0], name: "c.ppm")
        #expect(p6.shape == [3, 1, 2] && p6.values == [1, 0, 0, 1, 0.2, 0])
        let p3 = try PortableAnymap.decode(Array("P3 1 1 1000\n1000 0 500\n".utf8), name: "d.ppm")
        #expect(p3.values == [1, 0, 0.5])
    }

    /// A header promising 100000 x 100000 pixels is refused from the bytes present, before anything is allocated.
    @Test func headerSizesAreCheckedAgainstTheFile() throws {
        #expect(
            throws: FoveaError.badFile(
                path: "big.pgm",
                reason: "truncated: a 100000x100000 image with 1 channel needs 10000000000 bytes of samples, 3 present")
        ) {
            try PortableAnymap.decode(Array("P5 100000 100000 255\n".utf8) + [1, 2, 3], name: "big.pgm")
        }
        #expect(
            throws: FoveaError.badFile(
                path: "huge.ppm",
                reason:
                    "truncated: a 9223372036854775807x9223372036854775807 image with 3 channels needs more than any file holds, 0 present"
            )
        ) {
            try PortableAnymap.decode(Array("P6 9223372036854775807 9223372036854775807 255\n".utf8), name: "huge.ppm")
        }
        #expect(
            throws: FoveaError.badFile(
                path: "text.pgm",
                reason: "truncated: a 1000x1000 image with 1 channel needs at least 1999999 bytes of samples, 5 present")
        ) {
            try PortableAnymap.decode(Array("P2 1000 1000 255\n1 2\n".utf8), name: "text.pgm")
        }
        #expect(throws: FoveaError.badFile(path: "x.pgm", reason: "sample 1 is not a number in 0...255")) {
            try PortableAnymap.decode(Array("P2 2 1 255\n1 300\n".utf8), name: "x.pgm")
        }
    }

    /// Another kind of file is named by its first bytes, never echoed raw.
    @Test func otherFilesAreNamedByTheirFirstBytes() throws {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]
        #expect(
            throws: FoveaError.badFile(
                path: "photo.png", reason: "not a PGM/PPM image (it starts with bytes 89 50 4e 47; expected P2, P3, P5 or P6)")
        ) {
            try PortableAnymap.decode(png, name: "photo.png")
        }
    }
}
