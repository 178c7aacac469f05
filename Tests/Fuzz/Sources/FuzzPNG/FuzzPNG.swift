import FoveaData

// Any bytes as an image file (the seeds are PNG files, so the fuzzer mostly exercises the PNG decoder).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = [UInt8](UnsafeRawBufferPointer(start: start, count: count))
    _ = try? ImageFile.decode(bytes, name: "input")
    return 0
}
