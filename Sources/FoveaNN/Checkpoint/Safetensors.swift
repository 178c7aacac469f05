import Foundation
import FoveaCore

/// The safetensors checkpoint format (https://github.com/huggingface/safetensors): an 8-byte little-endian
/// header length N, N bytes of JSON (`{"name": {"dtype", "shape", "data_offsets": [begin, end]}, ...,
/// "__metadata__": {string: string}}`, padded with spaces to a multiple of 8), then the raw little-endian data.
public enum Safetensors {
    /// Largest header accepted when reading (the reference implementation's limit).
    static let maximumHeaderSize = 100_000_000

    /// How Int32 tensors are written: as I64 (PyTorch's long, the default: labels, indices and BatchNorm's
    /// num_batches_tracked load into PyTorch as the types it uses) or as I32.
    public enum IntegerFormat: Sendable {
        case i32, i64
    }

    /// The element types read. Float32 tensors are written as F32, Int32 tensors as I32 or I64.
    enum DType: String {
        case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
        case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

        var size: Int {
            switch self {
            case .f64, .i64: return 8
            case .f32, .i32: return 4
            case .f16, .bf16, .i16: return 2
            case .i8, .u8, .bool: return 1
            }
        }
    }

    /// Writes `tensors` in the given order with `metadata`, to a temporary file in the same directory that is then
    /// renamed to `url`: a failure never leaves a partial file. Names must be unique and not `__metadata__`.
    public static func write(
        _ tensors: [(String, Tensor)], metadata: [String: String] = [:], integers: IntegerFormat = .i64,
        to url: URL
    ) throws {
        var seen = Set<String>()
        for (name, _) in tensors {
            guard name != "__metadata__" else {
                throw FoveaError.invalidArgument("Safetensors.write: '__metadata__' is reserved")
            }
            guard seen.insert(name).inserted else {
                throw FoveaError.invalidArgument("Safetensors.write: tensor name '\(name)' appears twice")
            }
        }
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        let fileTypes = tensors.map { $0.1.dtype == .float32 ? DType.f32 : integers == .i64 ? .i64 : .i32 }
        var offset = 0
        for ((name, tensor), fileType) in zip(tensors, fileTypes) {
            let end = offset + tensor.count * fileType.size
            let shape = tensor.shape.dims.map(String.init).joined(separator: ",")
            entries.append(
                "\(jsonString(name)):{\"dtype\":\"\(fileType.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}"
            )
            offset = end
        }
        var header = Data(("{" + entries.joined(separator: ",") + "}").utf8)
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))

        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw FoveaError.badFile(path: url.path, reason: "cannot create a temporary file in \(directory.path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            var isOpen = true
            defer { if isOpen { try? handle.close() } }
            var length = UInt64(header.count).littleEndian
            try handle.write(contentsOf: Data(bytes: &length, count: 8))
            try handle.write(contentsOf: header)
            for ((_, tensor), fileType) in zip(tensors, fileTypes) {
                try handle.write(contentsOf: try littleEndianData(tensor, as: fileType))
            }
            try handle.synchronize()
            isOpen = false
            try handle.close()
            guard rename(temporary.path, url.path) == 0 else {
                throw FoveaError.badFile(path: url.path, reason: "cannot replace the file: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            if error is FoveaError { throw error }
            throw FoveaError.badFile(path: url.path, reason: "write failed: \(FoveaError.reason(error))")
        }
    }

    /// Writes `tensors` in order of their names.
    public static func write(
        _ tensors: [String: Tensor], metadata: [String: String] = [:], integers: IntegerFormat = .i64,
        to url: URL
    ) throws {
        try write(tensors.keys.sorted().map { ($0, tensors[$0]!) }, metadata: metadata, integers: integers, to: url)
    }

    /// The elements of `tensor` as `fileType` (F32, I32 or I64), little-endian.
    private static func littleEndianData(_ tensor: Tensor, as fileType: DType) throws -> Data {
        switch fileType {
        case .f32: return try tensor.toArray().map { $0.bitPattern.littleEndian }.withUnsafeBytes { Data($0) }
        case .i64: return try tensor.toInt32Array().map { Int64($0).littleEndian }.withUnsafeBytes { Data($0) }
        default: return try tensor.toInt32Array().map { $0.littleEndian }.withUnsafeBytes { Data($0) }
        }
    }

    /// Reads every tensor of `url` onto `device`, with the file's metadata: I32 and I64 as Int32 (I64 values must fit),
    /// every other type converted to Float32.
    public static func read(from url: URL, device: Device = .cpu) throws -> (
        tensors: [String: Tensor], metadata: [String: String]
    ) {
        let path = url.path
        func bad(_ reason: String) -> FoveaError { .badFile(path: path, reason: reason) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw bad("no such file") }
        if isDirectory.boolValue { throw bad("is a directory, not a safetensors file") }
        guard (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeRegular else {
            throw bad("is not a regular file (a device, a pipe or a socket), not a safetensors file")
        }
        let file: Data
        do { file = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw bad("cannot be read: \(FoveaError.reason(error))")
        }
        return try parse(file, name: path, device: device)
    }

    /// Reads the content of a safetensors file from memory; `name` stands for the file in errors.
    public static func parse(_ file: Data, name path: String, device: Device = .cpu) throws -> (
        tensors: [String: Tensor], metadata: [String: String]
    ) {
        func bad(_ reason: String) -> FoveaError { .badFile(path: path, reason: reason) }
        guard file.count >= 8 else { throw bad("truncated: \(file.count) bytes, too short for the 8-byte header length") }
        let length = file.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length <= UInt64(maximumHeaderSize) else {
            throw bad("header length \(length) exceeds the \(maximumHeaderSize)-byte limit")
        }
        guard length <= UInt64(file.count - 8) else {
            throw bad("truncated: header length \(length) is larger than the \(file.count - 8) bytes after it")
        }
        let headerEnd = 8 + Int(length)
        guard let json = try? JSONSerialization.jsonObject(with: file.subdata(in: 8..<headerEnd)),
            let header = json as? [String: Any]
        else {
            throw bad("the header is not a JSON object")
        }
        let dataSize = file.count - headerEnd

        var metadata: [String: String] = [:]
        var entries: [(name: String, dtype: DType, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let pairs = value as? [String: Any] else { throw bad("__metadata__ is not an object") }
                for (key, text) in pairs {
                    guard let text = text as? String else { throw bad("metadata '\(key)' is not a string") }
                    metadata[key] = text
                }
                continue
            }
            guard let info = value as? [String: Any] else { throw bad("tensor '\(name)': its entry is not an object") }
            guard let dtypeName = info["dtype"] as? String else { throw bad("tensor '\(name)': no dtype") }
            guard let dtype = DType(rawValue: dtypeName) else { throw bad("tensor '\(name)': unknown dtype '\(dtypeName)'") }
            guard let shape = integers(info["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw bad("tensor '\(name)': shape is not a list of non-negative integers")
            }
            guard let offsets = integers(info["data_offsets"]), offsets.count == 2 else {
                throw bad("tensor '\(name)': data_offsets is not a pair of integers")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end, end <= dataSize else {
                throw bad("tensor '\(name)': data_offsets [\(begin), \(end)] are out of range of the \(dataSize) data bytes")
            }
            var elements = 1
            for size in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: size)
                guard !overflow else { throw bad("tensor '\(name)': shape \(shape) is too large") }
                elements = product
            }
            guard elements.multipliedReportingOverflow(by: dtype.size) == (end - begin, false) else {
                throw bad(
                    "tensor '\(name)': shape \(shape) of \(dtypeName) needs \(elements * dtype.size) bytes, data_offsets span \(end - begin)"
                )
            }
            entries.append((name, dtype, shape, begin, end))
        }
        entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var covered = 0
        for entry in entries {
            guard entry.begin == covered else {
                throw bad(
                    entry.begin < covered
                        ? "tensor '\(entry.name)' overlaps another tensor's data"
                        : "data bytes \(covered)..<\(entry.begin) belong to no tensor")
            }
            covered = entry.end
        }
        guard covered == dataSize else { throw bad("data section has \(dataSize) bytes but the tensors cover \(covered)") }

        var tensors: [String: Tensor] = [:]
        try file.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            for entry in entries {
                let bytes = UnsafeRawBufferPointer(rebasing: raw[(headerEnd + entry.begin)..<(headerEnd + entry.end)])
                let shape = Shape(entry.shape)
                switch entry.dtype {
                case .i32, .i64:
                    guard let values = int32s(bytes, entry.dtype) else {
                        throw bad("tensor '\(entry.name)': an I64 value is outside the int32 range")
                    }
                    tensors[entry.name] = try Tensor(int32: values, shape: shape, device: device)
                default:
                    tensors[entry.name] = try Tensor(floats(bytes, entry.dtype), shape: shape, device: device)
                }
            }
        }
        return (tensors, metadata)
    }

    /// Integers from a JSON array, nil when it is not an array of integral numbers.
    private static func integers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var result: [Int] = []
        for element in array {
            guard let number = element as? NSNumber, let integer = Int(exactly: number.doubleValue) else { return nil }
            result.append(integer)
        }
        return result
    }

    /// The little-endian I32 or I64 elements of `bytes` as Int32; nil when an I64 value does not fit.
    private static func int32s(_ bytes: UnsafeRawBufferPointer, _ dtype: DType) -> [Int32]? {
        var values: [Int32] = []
        values.reserveCapacity(bytes.count / dtype.size)
        for i in 0..<(bytes.count / dtype.size) {
            if dtype == .i32 {
                values.append(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)))
            } else {
                guard let value = Int32(exactly: Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)))
                else { return nil }
                values.append(value)
            }
        }
        return values
    }

    /// The little-endian elements of `bytes` as Float32.
    private static func floats(_ bytes: UnsafeRawBufferPointer, _ dtype: DType) -> [Float] {
        let count = bytes.count / dtype.size
        func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
            T(littleEndian: bytes.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
        }
        return (0..<count).map { i -> Float in
            switch dtype {
            case .f32: return Float(bitPattern: load(UInt32.self, i))
            case .f64: return Float(Double(bitPattern: load(UInt64.self, i)))
            case .f16: return halfToFloat(load(UInt16.self, i))
            case .bf16: return Float(bitPattern: UInt32(load(UInt16.self, i)) << 16)
            case .i64, .i32: preconditionFailure("I32 and I64 are read as Int32")
            case .i16: return Float(load(Int16.self, i))
            case .i8: return Float(load(Int8.self, i))
            case .u8, .bool: return Float(load(UInt8.self, i))
            }
        }
    }

    /// IEEE half precision bits to Float.
    private static func halfToFloat(_ bits: UInt16) -> Float {
        let sign: Float = bits & 0x8000 != 0 ? -1 : 1
        let exponent = Int(bits >> 10 & 0x1F), fraction = Float(bits & 0x3FF)
        switch exponent {
        case 0: return sign * fraction * 0x1p-24
        case 31: return fraction == 0 ? sign * .infinity : .nan
        default: return sign * (1 + fraction / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }

    /// A JSON string literal.
    private static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
