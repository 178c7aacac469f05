import CZlib
import Foundation
import FoveaCore

/// Whole-file reads for the dataset readers.
enum FileBytes {
    /// The bytes of `url`, decompressed when the file is gzip'd (detected from its content, not its name).
    static func read(_ url: URL) throws -> [UInt8] {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FoveaError.badFile(path: path, reason: "no such file")
        }
        if isDirectory.boolValue { throw FoveaError.badFile(path: path, reason: "is a directory, not a file") }
        guard let file = gzopen(path, "rb") else {
            throw FoveaError.badFile(path: path, reason: "cannot be opened: \(String(cString: strerror(errno)))")
        }
        defer { gzclose(file) }
        gzbuffer(file, 1 << 18)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let got = chunk.withUnsafeMutableBufferPointer { gzread(file, $0.baseAddress, UInt32($0.count)) }
            if got < 0 || gzErrorCode(file) != Z_OK {
                throw FoveaError.badFile(path: path, reason: "corrupt gzip data: \(gzErrorMessage(file))")
            }
            if got == 0 { break }
            bytes.append(contentsOf: chunk[..<Int(got)])
        }
        return bytes
    }

    private static func gzErrorCode(_ file: gzFile) -> Int32 {
        var code: Int32 = 0
        _ = gzerror(file, &code)
        return code
    }

    private static func gzErrorMessage(_ file: gzFile) -> String {
        var code: Int32 = 0
        return gzerror(file, &code).map { String(cString: $0) } ?? "error \(code)"
    }
}

extension Array where Element == UInt8 {
    /// The big-endian UInt32 at byte `offset` (the caller checks the bounds).
    func bigEndianUInt32(at offset: Int) -> UInt32 {
        self[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }
}
