import Foundation
import FoveaCore
import FoveaTestSupport
import Testing

@testable import FoveaData

/// `DIR/CLASS/*.{png,jpg,jpeg}` folders, built from the decoding fixtures.
@Suite struct ImageFolderTests {
    /// Copies fixture images into `folder/CLASS/`: `classes` maps a class name to fixture names.
    static func make(_ folder: URL, _ classes: [String: [String]]) throws {
        for (name, images) in classes {
            let directory = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for (index, image) in images.enumerated() {
                let source = ImageFileTests.fixtures.appendingPathComponent("images/\(image)")
                try FileManager.default.copyItem(at: source, to: directory.appendingPathComponent("\(index)-\(image)"))
            }
        }
    }

    @Test func classesAreSortedFolderNamesAndImagesAreFittedToOneShape() throws {
        let directory = try TemporaryDirectory(name: "folder")
        defer { directory.remove() }
        try Self.make(
            directory.url, ["zebra": ["rgb.jpg", "gray.png"], "ant": ["palette.png"], "moth": ["rgba.png", "gray.jpg"]])
        try Data("not an image".utf8).write(to: directory.url.appendingPathComponent("ant/notes.txt"))
        let data = try ImageFolderDataset(directory: directory.url, imageSize: (6, 8), channels: 3)
        #expect(data.classNames == ["ant", "moth", "zebra"])
        #expect(data.count == 5)
        #expect((0..<5).map(data.label(at:)) == [0, 1, 1, 2, 2])
        #expect(data.sampleShape == [3, 6, 8])
        let loader = try DataLoader(data, batchSize: 5, shuffle: false)
        var batches = loader.makeIterator()
        let batch = try #require(try batches.nextBatch())
        #expect(batch.inputs.shape == [5, 3, 6, 8])
        // A grayscale image becomes three equal planes.
        let gray = Array(try batch.inputs.toArray()[4 * 144..<5 * 144])
        #expect(gray[0..<48] == gray[48..<96] && gray[0..<48] == gray[96..<144])

        let native = try ImageFolderDataset(directory: directory.url)
        #expect(native.sampleShape == [3, 3, 4])  // the first image's (ant/0-palette.png)
    }

    @Test func aCorruptImageStopsTheLoaderWithItsName() throws {
        let directory = try TemporaryDirectory(name: "folder")
        defer { directory.remove() }
        try Self.make(directory.url, ["a": ["gray.png"], "b": ["gray.jpg"]])
        let broken = directory.url.appendingPathComponent("b/0-gray.jpg")
        try Data(try Data(contentsOf: broken).prefix(200)).write(to: broken)
        let data = try ImageFolderDataset(directory: directory.url, imageSize: (4, 4), channels: 1)
        var batches = try DataLoader(data, batchSize: 2, shuffle: false).makeIterator()
        #expect { _ = try batches.nextBatch() } throws: { "\($0)".hasPrefix("\(broken.path): corrupt or truncated JPEG") }
    }

    @Test func trainAndTestFoldersAreUsedWhenBothExist() throws {
        let directory = try TemporaryDirectory(name: "folder")
        defer { directory.remove() }
        try Self.make(directory.url.appendingPathComponent("train"), ["cat": ["rgb.png", "rgb.jpg"], "dog": ["gray.png"]])
        try Self.make(directory.url.appendingPathComponent("test"), ["dog": ["gray.jpg"]])
        let parts = try ImageFolder.load(directory.url, imageSize: (5, 5), testFraction: 0.2, seed: 0)
        #expect(parts.train.count == 3 && parts.test.count == 1)
        #expect(parts.test.classNames == ["cat", "dog"] && parts.test.label(at: 0) == 1)
        #expect(parts.test.sampleShape == [3, 5, 5])

        try Self.make(directory.url.appendingPathComponent("test"), ["bird": ["gray.jpg"]])
        #expect { _ = try ImageFolder.load(directory.url, testFraction: 0.2, seed: 0) } throws: {
            "\($0)".contains("test/bird: is a class the training images do not have")
        }
    }

    @Test func withoutTrainAndTestFoldersASeededSplitHoldsOutTheTestImages() throws {
        let directory = try TemporaryDirectory(name: "folder")
        defer { directory.remove() }
        try Self.make(directory.url, ["x": Array(repeating: "gray.png", count: 6), "y": Array(repeating: "rgb.png", count: 4)])
        let parts = try ImageFolder.load(directory.url, imageSize: (4, 5), channels: 1, testFraction: 0.3, seed: 7)
        #expect(parts.train.count == 7 && parts.test.count == 3)
        let again = try ImageFolder.load(directory.url, imageSize: (4, 5), channels: 1, testFraction: 0.3, seed: 7)
        #expect((again.test as! DatasetSubset).indices == (parts.test as! DatasetSubset).indices)
        let empty = directory.url.appendingPathComponent("z")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(throws: FoveaError.badFile(path: empty.path, reason: "holds no .png, .jpg or .jpeg image")) {
            _ = try ImageFolder.load(directory.url, testFraction: 0.3, seed: 7)
        }
    }
}
