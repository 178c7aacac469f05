import Foundation
import FoveaNN

// Any bytes as a safetensors file: the reader may refuse them with a FoveaError, never crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = [UInt8](UnsafeRawBufferPointer(start: start, count: count))
    _ = try? Safetensors.parse(Data(bytes), name: "input.safetensors")
    return 0
}
