import Foundation
import FoveaCore
import FoveaData
import Testing

@Suite struct IDXTests {
    @Test(arguments: [false, true])
    func loadsPlainAndGzippedFiles(gzip: Bool) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let suffix = gzip ? ".gz" : ""
        try directory.write("t10k-images-idx3-ubyte" + suffix, idxImages(count: 3, rows: 2, cols: 4), gzip: gzip)
        try directory.write("t10k-labels-idx1-ubyte" + suffix, idxLabels([7, 0, 9]), gzip: gzip)
        let data = try IDXDataset.load(directory: directory.url, split: .test)
        #expect(data.count == 3)
        #expect(data.sampleShape == [1, 2, 4])
        #expect(data.labels == [7, 0, 9])
        #expect(data.classNames == (0...9).map(String.init))  // the directory name has no "fashion"
        #expect(data[1].features == (8..<16).map { Float($0) / 255 })
        #expect(data[2].label == 9)
    }

    @Test func acceptsMNISTDottedNamesAndInfersFashionFromTheDirectory() throws {
        let directory = try TemporaryDirectory(name: "fashion-mnist")
        defer { directory.remove() }
        try directory.write("train-images.idx3-ubyte", idxImages(count: 1, rows: 1, cols: 1))
        try directory.write("train-labels.idx1-ubyte", idxLabels([9]))
        let data = try IDXDataset.load(directory: directory.url, split: .train)
        #expect(data.classNames[data.label(at: 0)] == "Ankle boot")
        #expect(try IDXDataset.load(directory: directory.url, split: .train, kind: .mnist).classNames[9] == "9")
        #expect(
            IDXDataset.Kind.fashionMNIST.classNames == [
                "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
            ])
    }

    static let corruptImages: [(bytes: [UInt8], reason: String)] = [
        (
            idxImages(count: 1, rows: 2, cols: 2, magic: 0x1234_5678),
            "expected magic 0x00000803 for an IDX image file, found 0x12345678"
        ),
        (idxLabels([1, 2, 3, 4, 5, 6, 7, 8]), "expected magic 0x00000803 for an IDX image file, found 0x00000801"),
        ([0, 0], "truncated: 2 bytes, too short for an IDX header"),
        (bigEndian(0x0803) + bigEndian(5), "truncated: the header needs 16 bytes, file has 8"),
        (idxImages(count: 5, rows: 0, cols: 28), "impossible dimensions 5 x 0 x 28"),
        (
            idxImages(count: 0xFFFF_FFFF, rows: 0xFFFF_FFFF, cols: 0xFFFF_FFFF, pixels: 0),
            "impossible dimensions 4294967295 x 4294967295 x 4294967295"
        ),
        (
            idxImages(count: 60000, rows: 28, cols: 28, pixels: 1000),
            "truncated: header promises 47040000 bytes of pixels, file has 1000"
        ),
        (idxImages(count: 1, rows: 2, cols: 2, pixels: 6), "2 unexpected bytes after the 4 bytes of pixels the header promises"),
    ]

    @Test(arguments: corruptImages.indices)
    func corruptImageFilesAreRefusedWithTheReason(index: Int) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let images = try directory.write("train-images-idx3-ubyte", Self.corruptImages[index].bytes)
        try directory.write("train-labels-idx1-ubyte", idxLabels([1]))
        #expect(throws: FoveaError.badFile(path: images.path, reason: Self.corruptImages[index].reason)) {
            try IDXDataset.load(directory: directory.url, split: .train)
        }
    }

    @Test func labelProblemsAreRefusedWithTheReason() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("train-images-idx3-ubyte", idxImages(count: 3, rows: 2, cols: 2))
        let labels = try directory.write("train-labels-idx1-ubyte", idxLabels([1, 2]))
        #expect(
            throws: FoveaError.badFile(path: labels.path, reason: "holds 2 labels but train-images-idx3-ubyte holds 3 images")
        ) {
            try IDXDataset.load(directory: directory.url, split: .train)
        }
        try directory.write("train-labels-idx1-ubyte", idxLabels([1, 12, 3]))
        #expect(throws: FoveaError.badFile(path: labels.path, reason: "label 12 of item 1 is outside 0..<10")) {
            try IDXDataset.load(directory: directory.url, split: .train)
        }
        try directory.write("train-labels-idx1-ubyte", idxLabels([1, 2], count: 3))
        #expect(throws: FoveaError.badFile(path: labels.path, reason: "truncated: header promises 3 bytes of labels, file has 2"))
        {
            try IDXDataset.load(directory: directory.url, split: .train)
        }
    }

    @Test func missingAndCorruptGzipFilesAreBadFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(
            throws: FoveaError.badFile(
                path: directory.url.appendingPathComponent("train-images-idx3-ubyte").path,
                reason: "no such file (looked for train-images-idx3-ubyte[.gz], train-images.idx3-ubyte[.gz])")
        ) {
            try IDXDataset.load(directory: directory.url, split: .train)
        }
        let missing = directory.url.appendingPathComponent("nothing")
        #expect(throws: FoveaError.badFile(path: missing.path, reason: "no such file")) { try IDXFile.read(missing, rank: 1) }

        let full = try directory.write("whole.gz", idxImages(count: 20, rows: 8, cols: 8), gzip: true)
        let bytes = try [UInt8](Data(contentsOf: full))
        let cut = try directory.write("cut.gz", Array(bytes.prefix(bytes.count / 2)))
        do {
            _ = try IDXFile.read(cut, rank: 3)
            Issue.record("a truncated gzip file was accepted")
        } catch let FoveaError.badFile(path, reason) {
            #expect(path == cut.path)
            #expect(reason.hasPrefix("corrupt gzip data"), "\(reason)")
        }
    }

    @Test func gzipWithTrailingBytesIsRejected() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("labels.gz", idxLabels([1, 2, 3]), gzip: true)
        let bytes = try [UInt8](Data(contentsOf: file))
        let padded = try directory.write("padded.gz", bytes + [0x42, 0x42, 0x42])
        #expect(throws: FoveaError.badFile(path: padded.path, reason: "unexpected bytes after the end of the gzip data")) {
            try IDXFile.read(padded, rank: 1)
        }
        // Two gzip members are one stream, as gzip reads them.
        let labels = idxLabels([4, 5, 6])
        let first = try directory.write("a.gz", Array(labels.prefix(5)), gzip: true)
        let second = try directory.write("b.gz", Array(labels.dropFirst(5)), gzip: true)
        let joined = try directory.write("joined.gz", [UInt8](Data(contentsOf: first)) + [UInt8](Data(contentsOf: second)))
        #expect(try IDXFile.read(joined, rank: 1).bytes == [4, 5, 6])
    }

    /// A header that promises far more than the file holds is checked before inflating, and only what arrives is kept.
    @Test func gzipWithALyingHeaderInflatesOnlyWhatIsThere() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let header = bigEndian(0x0803) + bigEndian(1 << 16) + bigEndian(1 << 11) + bigEndian(1 << 11)  // 2^38 bytes promised
        let file = try directory.write("bomb.gz", header + [UInt8](repeating: 0, count: 1 << 22), gzip: true)
        #expect(
            throws: FoveaError.badFile(
                path: file.path, reason: "truncated: header promises 274877906944 bytes of pixels, file has 4194304")
        ) {
            try IDXFile.read(file, rank: 3)
        }
        let impossible = try directory.write(
            "impossible.gz", bigEndian(0x0803) + bigEndian(1 << 31) + bigEndian(1 << 31) + bigEndian(1), gzip: true)
        #expect(throws: FoveaError.badFile(path: impossible.path, reason: "impossible dimensions 2147483648 x 2147483648 x 1")) {
            try IDXFile.read(impossible, rank: 3)
        }
    }

    @Test func readsTheRealFashionMNISTTestSet() throws {
        let directory = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("t10k-images-idx3-ubyte.gz").path) else {
            print("skipped: no Fashion-MNIST at \(directory.path)")
            return
        }
        let data = try IDXDataset.load(directory: directory, split: .test)
        #expect(data.count == 10_000)
        #expect(data.sampleShape == [1, 28, 28])
        #expect(data.classNames.count == 10 && data.classNames[0] == "T-shirt/top")
        #expect(Set(data.labels) == Set(0...9))
        #expect(data.features.min() == 0 && data.features.max() == 1)
        #expect(data.labels.filter { $0 == 3 }.count == 1000)  // the test set is balanced
    }
}
