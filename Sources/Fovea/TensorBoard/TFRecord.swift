import Foundation

/// TFRecord framing, the container of TensorBoard event files: each record is its length (UInt64, little-endian),
/// the masked CRC-32C of those 8 bytes, the data, and the masked CRC-32C of the data.
public enum TFRecord {
    /// One record around `data`.
    public static func frame(_ data: Data) -> Data {
        let length = littleEndian(UInt64(data.count))
        return length + littleEndian(CRC32C.masked(length)) + data + littleEndian(CRC32C.masked(data))
    }

    private static func littleEndian<T: FixedWidthInteger>(_ value: T) -> Data {
        withUnsafeBytes(of: value.littleEndian) { Data($0) }
    }
}
