import Foundation

/// Writes protocol-buffer wire format, field by field, as proto3 does: a field holding its default (0, empty) is left
/// out. Enough for the few TensorBoard messages Fovea writes (`Event`, `Summary`), which callers append in field
/// number order, as the reference implementation serializes them.
struct ProtobufMessage {
    private(set) var bytes = Data()

    /// A varint field (int32, int64, enum, bool).
    mutating func varint(_ field: Int, _ value: Int64) {
        guard value != 0 else { return }
        key(field, wireType: 0)
        appendVarint(UInt64(bitPattern: value))
    }

    /// A double field.
    mutating func double(_ field: Int, _ value: Double) {
        guard value != 0 else { return }
        key(field, wireType: 1)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A float field; `always` writes it even when 0 (a member of a `oneof` that is set).
    mutating func float(_ field: Int, _ value: Float, always: Bool = false) {
        guard always || value != 0 else { return }
        key(field, wireType: 5)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A bytes, string or embedded-message field; `always` writes it even when empty (a message that is set).
    mutating func bytes(_ field: Int, _ value: Data, always: Bool = false) {
        guard always || !value.isEmpty else { return }
        key(field, wireType: 2)
        appendVarint(UInt64(value.count))
        bytes.append(value)
    }

    mutating func string(_ field: Int, _ value: String) { bytes(field, Data(value.utf8)) }

    mutating func message(_ field: Int, _ value: ProtobufMessage) { bytes(field, value.bytes, always: true) }

    /// A packed repeated double field.
    mutating func packedDoubles(_ field: Int, _ values: [Double]) {
        var packed = Data()
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { packed.append(contentsOf: $0) } }
        bytes(field, packed)
    }

    private mutating func key(_ field: Int, wireType: UInt64) { appendVarint(UInt64(field) << 3 | wireType) }

    private mutating func appendVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F | 0x80))
            value >>= 7
        }
        bytes.append(UInt8(value))
    }
}
