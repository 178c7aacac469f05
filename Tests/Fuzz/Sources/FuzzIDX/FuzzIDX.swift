import FoveaData

// Any bytes (plain or gzip'd) as IDX image and label files.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = [UInt8](UnsafeRawBufferPointer(start: start, count: count))
    _ = try? IDXFile.parse(bytes, name: "input-idx3-ubyte", rank: 3)
    _ = try? IDXFile.parse(bytes, name: "input-idx1-ubyte", rank: 1)
    return 0
}
