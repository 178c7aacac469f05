import CZlib
import Foundation

/// A fresh temporary directory for one test; `remove()` deletes it.
struct TemporaryDirectory {
    let url: URL

    init(name: String = "data") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: url) }

    /// Writes `bytes` to `name`, gzip'd when `gzip` is true; returns the file's URL.
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8], gzip: Bool = false) throws -> URL {
        let file = url.appendingPathComponent(name)
        if gzip {
            guard let handle = gzopen(file.path, "wb") else { throw CocoaError(.fileWriteUnknown) }
            let written = bytes.withUnsafeBufferPointer { gzwrite(handle, $0.baseAddress, UInt32($0.count)) }
            gzclose(handle)
            guard written == bytes.count else { throw CocoaError(.fileWriteUnknown) }
        } else {
            try Data(bytes).write(to: file)
        }
        return file
    }
}

/// Big-endian bytes of `value`.
func bigEndian(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }

/// An IDX image file of `count` images of rows x cols, pixel k of the file = k % 251.
func idxImages(count: Int, rows: Int, cols: Int, magic: UInt32 = 0x0803, pixels: Int? = nil) -> [UInt8] {
    bigEndian(magic) + bigEndian(UInt32(count)) + bigEndian(UInt32(rows)) + bigEndian(UInt32(cols))
        + (0..<(pixels ?? count * rows * cols)).map { UInt8($0 % 251) }
}

/// An IDX label file holding `labels`.
func idxLabels(_ labels: [UInt8], magic: UInt32 = 0x0801, count: Int? = nil) -> [UInt8] {
    bigEndian(magic) + bigEndian(UInt32(count ?? labels.count)) + labels
}
