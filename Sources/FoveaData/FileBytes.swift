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
        let chunk = 1 << 20
        while true {
            let start = bytes.count
            bytes.append(contentsOf: repeatElement(0, count: chunk))
            let got = bytes.withUnsafeMutableBufferPointer { gzread(file, $0.baseAddress! + start, UInt32(chunk)) }
            if got < 0 || gzErrorCode(file) != Z_OK {
                throw FoveaError.badFile(path: path, reason: "corrupt gzip data: \(gzErrorMessage(file))")
            }
            bytes.removeLast(chunk - Int(got))
            if got == 0 { break }
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
