import Foundation
import FoveaCore
import FoveaNN
import FoveaTestSupport
import Testing

@Suite struct SafetensorsTests {
    /// A fresh empty directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A file of 8-byte length + `header` + `data`, as written by hand.
    static func file(header: String, data: [UInt8] = [], length: UInt64? = nil) -> Data {
        var bytes = withUnsafeBytes(of: (length ?? UInt64(header.utf8.count)).littleEndian) { Data($0) }
        bytes.append(Data(header.utf8))
        bytes.append(contentsOf: data)
        return bytes
    }

    @Test(arguments: testDevices)
    func roundTripKeepsNamesShapesValuesAndMetadata(device: Device) throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        let weight = try testTensor([3, 4, 5], device: device, seed: 7)
        let bias = try Tensor([0.5, -1.25], device: device)
        let scalar = try Tensor(scalar: 42, device: device)
        let metadata = ["epoch": "12", "note": "quotes \" and \\ and\nnewline, é"]
        try Safetensors.write([("conv1.weight", weight), ("conv1.bias", bias), ("step", scalar)], metadata: metadata, to: url)
        let loaded = try Safetensors.read(from: url, device: device)
        #expect(loaded.metadata == metadata)
        #expect(Set(loaded.tensors.keys) == ["conv1.weight", "conv1.bias", "step"])
        #expect(loaded.tensors["conv1.weight"]?.shape == [3, 4, 5])
        #expect(loaded.tensors["conv1.weight"]?.device == device)
        #expect(try loaded.tensors["conv1.weight"]?.toArray() == weight.toArray())
        #expect(try loaded.tensors["conv1.bias"]?.toArray() == [0.5, -1.25])
        #expect(loaded.tensors["step"]?.shape == [])
        #expect(try loaded.tensors["step"]?.item() == 42)
        // Only the final file remains: the temporary one was renamed.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.safetensors"])
    }

    @Test func writesTheSpecifiedBytesExactly() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("a.safetensors")
        try Safetensors.write(["a": try Tensor([1, 2])], to: url)
        // 54 bytes of JSON padded with 2 spaces to 56 = 0x38, then 1.0f and 2.0f little-endian.
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"# + "  "
        let expected = Self.file(header: header, data: [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40])
        #expect(try Data(contentsOf: url) == expected)
        #expect(expected.prefix(8) == Data([0x38, 0, 0, 0, 0, 0, 0, 0]))
    }

    @Test func dictionaryWriteOrdersByNameAndMetadataComesFirst() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("b.safetensors")
        try Safetensors.write(["z": try Tensor([1]), "b": try Tensor([2, 3])], metadata: ["k": "v"], to: url)
        let data = try Data(contentsOf: url)
        let header = String(decoding: data[8..<(8 + Int(data[0]))], as: UTF8.self)
        #expect(header.hasPrefix(#"{"__metadata__":{"k":"v"},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"z":"#))
        #expect(Int(data[0]) % 8 == 0 && data.count == 8 + Int(data[0]) + 12)
    }

    @Test func readsAFileWrittenByPythonSafetensors() throws {
        // Fixtures/python_written.safetensors comes from Fixtures/make_fixture.py (safetensors 0.8.0, numpy).
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/python_written.safetensors")
        let loaded = try Safetensors.read(from: url)
        #expect(loaded.metadata == ["format": "np", "epoch": "3"])
        let t = loaded.tensors
        #expect(t["fc.weight"]?.shape == [2, 3])
        #expect(try t["fc.weight"]?.toArray() == [1.5, -2.0, 0.25, 3.0, 4.5, -0.125])
        #expect(try t["fc.bias"]?.toArray() == [0.5, -1.0])
        #expect(t["step"]?.shape == [])
        #expect(try t["step"]?.toInt32Array() == [7])
        #expect(try t["counts"]?.toInt32Array() == [-3, 100000])
        #expect(try t["half"]?.toArray() == [1.0, -0.5, 65504.0])
    }

    @Test func refusesDuplicateAndReservedNames() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("c.safetensors")
        let x = try Tensor([1])
        #expect(throws: FoveaError.invalidArgument("Safetensors.write: tensor name 'x' appears twice")) {
            try Safetensors.write([("x", x), ("x", x)], to: url)
        }
        #expect(throws: FoveaError.invalidArgument("Safetensors.write: '__metadata__' is reserved")) {
            try Safetensors.write([("__metadata__", x)], to: url)
        }
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }

    @Test func failedWriteLeavesNoFile() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent(
            "fovea-no-such-dir-\(UUID().uuidString)/m.safetensors")
        #expect(throws: FoveaError.self) { try Safetensors.write(["a": try Tensor([1])], to: missing) }
        #expect(!FileManager.default.fileExists(atPath: missing.path))
    }

    static let malformed: [(name: String, bytes: Data, reason: String)] = {
        let f32 = [UInt8](repeating: 0, count: 8)
        func entry(_ dtype: String = "F32", shape: String = "[2]", offsets: String = "[0,8]") -> String {
            #"{"dtype":"\#(dtype)","shape":\#(shape),"data_offsets":\#(offsets)}"#
        }
        return [
            ("short", Data([1, 2, 3]), "truncated: 3 bytes, too short for the 8-byte header length"),
            ("length", file(header: "{}", length: 1000), "truncated: header length 1000 is larger than the 2 bytes after it"),
            ("huge", file(header: "{}", length: 1 << 40), "header length 1099511627776 exceeds the 100000000-byte limit"),
            ("json", file(header: #"{"a": {"#), "the header is not a JSON object"),
            ("array", file(header: "[1, 2]"), "the header is not a JSON object"),
            ("dtype", file(header: #"{"a":\#(entry("F99"))}"#, data: f32), "tensor 'a': unknown dtype 'F99'"),
            (
                "shape", file(header: #"{"a":\#(entry(shape: "[-2]"))}"#, data: f32),
                "tensor 'a': shape is not a list of non-negative integers"
            ),
            (
                "offsets", file(header: #"{"a":\#(entry(offsets: "[0]"))}"#, data: f32),
                "tensor 'a': data_offsets is not a pair of integers"
            ),
            (
                "range", file(header: #"{"a":\#(entry(offsets: "[0,16]"))}"#, data: f32),
                "tensor 'a': data_offsets [0, 16] are out of range of the 8 data bytes"
            ),
            (
                "size", file(header: #"{"a":\#(entry(shape: "[3]"))}"#, data: f32),
                "tensor 'a': shape [3] of F32 needs 12 bytes, data_offsets span 8"
            ),
            (
                "overlap", file(header: #"{"a":\#(entry()),"b":\#(entry(shape: "[1]", offsets: "[4,8]"))}"#, data: f32),
                "tensor 'b' overlaps another tensor's data"
            ),
            (
                "hole", file(header: #"{"a":\#(entry(shape: "[1]", offsets: "[4,8]"))}"#, data: f32),
                "data bytes 0..<4 belong to no tensor"
            ),
            (
                "tail", file(header: #"{"a":\#(entry(shape: "[1]", offsets: "[0,4]"))}"#, data: f32),
                "data section has 8 bytes but the tensors cover 4"
            ),
            ("metadata", file(header: #"{"__metadata__":{"epoch":3}}"#), "metadata 'epoch' is not a string"),
        ]
    }()

    @Test(arguments: malformed.indices)
    func malformedFilesAreRefusedWithTheReason(index: Int) throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (name, bytes, reason) = Self.malformed[index]
        let url = directory.appendingPathComponent("\(name).safetensors")
        try bytes.write(to: url)
        #expect(throws: FoveaError.badFile(path: url.path, reason: reason)) { try Safetensors.read(from: url) }
    }

    @Test func missingFileIsBadFile() {
        let url = URL(fileURLWithPath: "/nonexistent/fovea.safetensors")
        #expect(throws: FoveaError.badFile(path: url.path, reason: "no such file")) { try Safetensors.read(from: url) }
    }

    /// The dtype a file's header gives `name`.
    static func headerDType(_ url: URL, _ name: String) throws -> String? {
        let data = try Data(contentsOf: url)
        let length = Int(data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any]
        return (header?[name] as? [String: Any])?["dtype"] as? String
    }

    @Test(arguments: testDevices)
    func int32TensorsRoundTripAsI64OrI32(device: Device) throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ids = try Tensor(indices: [-3, 0, 2_147_483_647, 5], shape: [2, 2], device: device)
        for (format, name) in [(Safetensors.IntegerFormat.i64, "I64"), (.i32, "I32")] {
            let url = directory.appendingPathComponent("\(name).safetensors")
            try Safetensors.write([("ids", ids), ("x", try Tensor([1.5], device: device))], integers: format, to: url)
            #expect(try Self.headerDType(url, "ids") == name)
            #expect(try Self.headerDType(url, "x") == "F32")
            let loaded = try #require(try Safetensors.read(from: url, device: device).tensors["ids"])
            #expect(loaded.dtype == .int32 && loaded.shape == [2, 2])
            #expect(try loaded.toInt32Array() == [-3, 0, 2_147_483_647, 5])
        }
    }

    @Test func i64OutsideTheInt32RangeIsRefused() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("big.safetensors")
        let header = #"{"n":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#
        try Self.file(header: header, data: withUnsafeBytes(of: Int64(1 << 31).littleEndian) { Array($0) }).write(to: url)
        #expect(throws: FoveaError.badFile(path: url.path, reason: "tensor 'n': an I64 value is outside the int32 range")) {
            try Safetensors.read(from: url)
        }
    }

    @Test func batchNormCounterIsWrittenAsI64AndOldFloatCountersStillLoad() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let norm = BatchNorm1D(3)
        _ = try norm(try testTensor([4, 3], device: .cpu))
        let url = directory.appendingPathComponent("norm.safetensors")
        try Safetensors.write(norm.stateDict(), to: url)
        #expect(try Self.headerDType(url, "num_batches_tracked") == "I64")
        let fresh = BatchNorm1D(3)
        try fresh.loadStateDict(try Safetensors.read(from: url).tensors)
        #expect(try fresh.numBatchesTracked.value.toInt32Array() == [1])
        // Checkpoints of earlier versions stored the counter as F32.
        var state = Dictionary(uniqueKeysWithValues: norm.stateDict())
        state["num_batches_tracked"] = try Tensor(scalar: 7)
        try fresh.loadStateDict(state)
        #expect(fresh.numBatchesTracked.value.dtype == .int32)
        #expect(try fresh.numBatchesTracked.value.toInt32Array() == [7])
    }
}
