import Foundation
import FoveaCore

/// One IDX file of unsigned bytes (the MNIST format): a big-endian header `0x0000 08 D` (D = number of
/// dimensions), D big-endian UInt32 sizes, then the bytes in row-major order. Plain or gzip'd.
public struct IDXFile: Sendable {
    /// The sizes from the header, outermost (the item count) first.
    public let dimensions: [Int]
    /// The data bytes, `dimensions.reduce(1, *)` of them.
    public let bytes: [UInt8]

    /// Reads and validates `url` (plain or gzip'd), which must hold `rank` dimensions (3 for images, 1 for labels).
    /// The header is checked before any data is read, and only the data it promises is inflated.
    public static func read(_ url: URL, rank: Int) throws -> IDXFile {
        try read(ByteStream(file: url), rank: rank)
    }

    /// Reads the content of an IDX file (plain or gzip'd) from memory; `name` stands for the file in errors.
    public static func parse(_ bytes: [UInt8], name: String, rank: Int) throws -> IDXFile {
        try read(ByteStream(bytes: bytes, name: name), rank: rank)
    }

    private static func read(_ stream: ByteStream, rank: Int) throws -> IDXFile {
        let path = stream.path
        let kind = rank == 3 ? "an IDX image file" : rank == 1 ? "an IDX label file" : "an IDX file of rank \(rank)"
        let magicBytes = try stream.read(upTo: 4)
        guard magicBytes.count == 4 else {
            throw FoveaError.badFile(path: path, reason: "truncated: \(magicBytes.count) bytes, too short for an IDX header")
        }
        let expected = UInt32(0x0800) | UInt32(rank)
        let magic = magicBytes.bigEndianUInt32(at: 0)
        guard magic == expected else {
            throw FoveaError.badFile(path: path, reason: "expected magic \(hex(expected)) for \(kind), found \(hex(magic))")
        }
        let headerSize = 4 + 4 * rank
        let sizeBytes = try stream.read(upTo: 4 * rank)
        guard sizeBytes.count == 4 * rank else {
            throw FoveaError.badFile(
                path: path, reason: "truncated: the header needs \(headerSize) bytes, file has \(4 + sizeBytes.count)")
        }
        let dimensions = (0..<rank).map { Int(sizeBytes.bigEndianUInt32(at: 4 * $0)) }
        var total = 1
        for size in dimensions {
            let (product, overflow) = total.multipliedReportingOverflow(by: size)
            guard size > 0, !overflow, product <= 1 << 40 else {
                let shown = dimensions.map(String.init).joined(separator: " x ")
                throw FoveaError.badFile(path: path, reason: "impossible dimensions \(shown)")
            }
            total = product
        }
        let what = rank == 3 ? "bytes of pixels" : rank == 1 ? "bytes of labels" : "bytes of data"
        let data = try stream.read(upTo: total)
        guard data.count == total else {
            throw FoveaError.badFile(path: path, reason: "truncated: header promises \(total) \(what), file has \(data.count)")
        }
        let extra = try stream.remainingCount()
        guard extra == 0 else {
            throw FoveaError.badFile(
                path: path, reason: "\(extra) unexpected bytes after the \(total) \(what) the header promises")
        }
        return IDXFile(dimensions: dimensions, bytes: data)
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}

/// MNIST-style datasets made of an IDX image file and an IDX label file.
public enum IDXDataset {
    /// Which dataset the files hold; it decides the class names.
    public enum Kind: Sendable {
        case mnist, fashionMNIST

        /// The ten class names, in label order.
        public var classNames: [String] {
            switch self {
            case .mnist: return (0...9).map(String.init)
            case .fashionMNIST:
                return ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
            }
        }
    }

    /// Loads `split` from `directory`, which holds the standard file names (`train-images-idx3-ubyte`,
    /// `train-labels-idx1-ubyte`, `t10k-...`, or MNIST's `train-images.idx3-ubyte` spelling), plain or with `.gz`.
    ///
    /// Samples are [1, rows, cols] images scaled to [0, 1]. `kind` defaults to Fashion-MNIST when the directory's
    /// name contains "fashion" and to MNIST otherwise.
    public static func load(directory: URL, split: DatasetSplit, kind: Kind? = nil) throws -> InMemoryDataset {
        let prefix = split == .train ? "train" : "t10k"
        let imagesURL = try locate(directory, ["\(prefix)-images-idx3-ubyte", "\(prefix)-images.idx3-ubyte"])
        let labelsURL = try locate(directory, ["\(prefix)-labels-idx1-ubyte", "\(prefix)-labels.idx1-ubyte"])
        let kind = kind ?? (directory.lastPathComponent.lowercased().contains("fashion") ? .fashionMNIST : .mnist)
        return try load(images: imagesURL, labels: labelsURL, classNames: kind.classNames)
    }

    /// Loads a dataset from an image file and a label file; every label must index `classNames`.
    public static func load(images imagesURL: URL, labels labelsURL: URL, classNames: [String]) throws -> InMemoryDataset {
        let images = try IDXFile.read(imagesURL, rank: 3)
        let labels = try IDXFile.read(labelsURL, rank: 1)
        guard labels.dimensions[0] == images.dimensions[0] else {
            throw FoveaError.badFile(
                path: labelsURL.path,
                reason:
                    "holds \(labels.dimensions[0]) labels but \(imagesURL.lastPathComponent) holds \(images.dimensions[0]) images"
            )
        }
        if let bad = labels.bytes.firstIndex(where: { Int($0) >= classNames.count }) {
            throw FoveaError.badFile(
                path: labelsURL.path,
                reason:
                    "label \(labels.bytes[bad]) of item \(bad) is outside 0..<\(classNames.count)")
        }
        return try InMemoryDataset(
            features: scaledToUnit(images.bytes), labels: labels.bytes.map(Int32.init),
            sampleShape: [1, images.dimensions[1], images.dimensions[2]], classNames: classNames)
    }

    /// The first of `names` (plain, then `.gz`) that exists in `directory`.
    private static func locate(_ directory: URL, _ names: [String]) throws -> URL {
        for name in names {
            for candidate in [name, name + ".gz"] {
                let url = directory.appendingPathComponent(candidate)
                if FileManager.default.fileExists(atPath: url.path) { return url }
            }
        }
        throw FoveaError.badFile(
            path: directory.appendingPathComponent(names[0]).path,
            reason: "no such file (looked for \(names.map { "\($0)[.gz]" }.joined(separator: ", ")))")
    }
}

/// Bytes 0...255 as Floats 0...1.
func scaledToUnit(_ bytes: [UInt8]) -> [Float] {
    [Float](unsafeUninitializedCapacity: bytes.count) { buffer, initialized in
        bytes.withUnsafeBufferPointer { source in
            for i in 0..<source.count { buffer[i] = Float(source[i]) / 255 }
        }
        initialized = bytes.count
    }
}
