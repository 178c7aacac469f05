import FoveaData

// Any bytes as a PGM/PPM image.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = [UInt8](UnsafeRawBufferPointer(start: start, count: count))
    _ = try? PortableAnymap.decode(bytes, name: "input.pgm")
    return 0
}
