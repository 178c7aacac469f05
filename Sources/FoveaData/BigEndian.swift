extension Array where Element == UInt8 {
    /// The big-endian UInt32 at byte `offset` (the caller checks the bounds).
    func bigEndianUInt32(at offset: Int) -> UInt32 {
        self[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }
}
