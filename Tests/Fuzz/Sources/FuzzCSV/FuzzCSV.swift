import FoveaData

// Any bytes as a CSV data set, with the label in the last column and in a named one.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = [UInt8](UnsafeRawBufferPointer(start: start, count: count))
    _ = try? CSVDataset.parse(bytes, name: "input.csv")
    _ = try? CSVDataset.parse(bytes, name: "input.csv", labelColumn: "species")
    return 0
}
