import FoveaData

// Any bytes as an image file (the seeds are JPEG files, so the fuzzer mostly exercises the JPEG decoder).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = [UInt8](UnsafeRawBufferPointer(start: start, count: count))
    _ = try? ImageFile.decode(bytes, name: "input")
    return 0
}
