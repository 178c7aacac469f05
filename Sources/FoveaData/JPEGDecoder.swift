import CJPEG
import FoveaCore

/// JPEG decoding through libjpeg-turbo's TurboJPEG API, which returns errors instead of jumping with longjmp.
/// Warnings (a truncated file, corrupt data) stop decoding and count as errors.
enum JPEGDecoder {
    static func decode(_ bytes: [UInt8], name: String) throws -> (values: [Float], shape: Shape) {
        guard let handle = tjInitDecompress() else {
            throw FoveaError.badFile(path: name, reason: "libjpeg-turbo could not start a decoder")
        }
        defer { tjDestroy(handle) }
        func failure(_ what: String) -> FoveaError {
            .badFile(path: name, reason: "corrupt or truncated JPEG: \(what) (\(String(cString: tjGetErrorStr2(handle))))")
        }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let header = bytes.withUnsafeBufferPointer {
            tjDecompressHeader3(handle, $0.baseAddress, UInt($0.count), &width, &height, &subsampling, &colorspace)
        }
        guard header == 0 else { throw failure("cannot read its header") }
        try ImageFile.checkSize(width: Int(width), height: Int(height), fileBytes: bytes.count, name: name)
        let channels = colorspace == Int32(TJCS_GRAY.rawValue) ? 1 : 3
        var samples = [UInt8](repeating: 0, count: Int(width) * Int(height) * channels)
        let format = Int32(channels == 1 ? TJPF_GRAY.rawValue : TJPF_RGB.rawValue)
        let decoded = bytes.withUnsafeBufferPointer { source in
            samples.withUnsafeMutableBufferPointer { target in
                tjDecompress2(
                    handle, source.baseAddress, UInt(source.count), target.baseAddress, width, 0, height, format,
                    TJFLAG_STOPONWARNING)
            }
        }
        guard decoded == 0 else { throw failure("cannot decode its pixels") }
        let (w, h) = (Int(width), Int(height))
        return (ImageFile.planar(samples, width: w, height: h, stored: channels, channels: channels), [channels, h, w])
    }
}
