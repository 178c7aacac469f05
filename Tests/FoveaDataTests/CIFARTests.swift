import Foundation
import FoveaCore
import FoveaData
import Testing

@Suite struct CIFARTests {
    /// One record: label bytes, then 3072 pixels where pixel k = (k + seed) % 256.
    static func record(_ labels: [UInt8], seed: Int) -> [UInt8] {
        labels + (0..<3072).map { UInt8(($0 + seed) % 256) }
    }

    @Test func loadsCIFAR10TrainingBatchesInOrderAndTheTestBatch() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for batch in 1...5 {
            try directory.write(
                "data_batch_\(batch).bin", Self.record([UInt8(batch)], seed: batch) + Self.record([0], seed: 10 * batch))
        }
        try directory.write("test_batch.bin", Self.record([9], seed: 3))
        let train = try CIFAR.load10(directory: directory.url, split: .train)
        #expect(train.count == 10)
        #expect(train.sampleShape == [3, 32, 32])
        #expect(train.labels == [1, 0, 2, 0, 3, 0, 4, 0, 5, 0])
        // Sample 2 is batch 2's first record: red channel first, green starts at byte 1024.
        let features = train[2].features
        #expect(features[0] == Float(2) / 255 && features[1024] == Float((1024 + 2) % 256) / 255)
        #expect(features[3071] == Float((3071 + 2) % 256) / 255)
        let test = try CIFAR.load10(directory: directory.url, split: .test)
        #expect(test.count == 1 && test.classNames[test.label(at: 0)] == "truck")
    }

    @Test func loadsCIFAR100WithBothLabels() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("train.bin", Self.record([19, 99], seed: 0) + Self.record([4, 0], seed: 1))
        let both = try CIFAR.load100(directory: directory.url, split: .train)
        #expect(both.fine.labels == [99, 0] && both.coarse.labels == [19, 4])
        #expect(both.fine.classNames[99] == "worm" && both.coarse.classNames[19] == "vehicles_2")
        #expect(both.fine.features == both.coarse.features)
        let coarse = try CIFAR.load100(directory: directory.url, split: .train, target: .coarse)
        #expect(coarse.labels == [19, 4] && coarse.classNames.count == 20)
        #expect(try CIFAR.load100(directory: directory.url, split: .train, target: .fine).labels == [99, 0])
    }

    @Test func classNameListsHaveTheRightSizesAndOrder() {
        #expect(CIFAR.classNames10.count == 10)
        #expect(CIFAR.fineClassNames100.count == 100 && Set(CIFAR.fineClassNames100).count == 100)
        #expect(CIFAR.coarseClassNames100.count == 20)
        // Both CIFAR-100 lists are alphabetical in the dataset's meta file.
        #expect(CIFAR.fineClassNames100 == CIFAR.fineClassNames100.sorted())
        #expect(CIFAR.coarseClassNames100 == CIFAR.coarseClassNames100.sorted())
    }

    @Test func badFilesAreRefusedWithTheReason() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let test10 = try directory.write("test_batch.bin", Self.record([1], seed: 0) + [1, 2, 3])
        #expect(
            throws: FoveaError.badFile(
                path: test10.path,
                reason: "size 3076 bytes is not a positive multiple of the 3073-byte record (1 label byte + 3072 pixels)")
        ) {
            try CIFAR.load10(directory: directory.url, split: .test)
        }
        try directory.write("test_batch.bin", Self.record([10], seed: 0))
        #expect(
            throws: FoveaError.badFile(
                path: test10.path, reason: "record 0: label 10 is outside 0..<10 (is this a CIFAR-10 file?)")
        ) {
            try CIFAR.load10(directory: directory.url, split: .test)
        }
        #expect(
            throws: FoveaError.badFile(
                path: directory.url.appendingPathComponent("data_batch_1.bin").path, reason: "no such file")
        ) {
            try CIFAR.load10(directory: directory.url, split: .train)
        }
        // A CIFAR-10 file read as CIFAR-100 has the wrong record size.
        let test100 = try directory.write("test.bin", Self.record([1], seed: 0) + Self.record([2], seed: 0))
        #expect(
            throws: FoveaError.badFile(
                path: test100.path,
                reason: "size 6146 bytes is not a positive multiple of the 3074-byte record (2 label bytes + 3072 pixels)")
        ) {
            try CIFAR.load100(directory: directory.url, split: .test)
        }
        try directory.write("test.bin", [])
        #expect(
            throws: FoveaError.badFile(
                path: test100.path,
                reason: "size 0 bytes is not a positive multiple of the 3074-byte record (2 label bytes + 3072 pixels)")
        ) {
            try CIFAR.load100(directory: directory.url, split: .test)
        }
    }
}
