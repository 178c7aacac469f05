import Foundation
import FoveaCore

extension ImageFile {
    /// Writes a [channels, height, width] image of floats in [0, 1] (1 or 3 channels; values outside are clipped) as an
    /// 8-bit grayscale or RGB PNG file (`PNG.encode`), replacing `url` atomically.
    public static func writePNG(_ values: [Float], shape: Shape, to url: URL) throws {
        try AtomicFile.write(try PNG.encode(values: values, shape: shape), to: url)
    }
}
