import Foundation
import FoveaTestSupport
import Testing

@testable import Fovea

/// TensorBoard event files: the bytes against ones TensorBoard wrote (Fixtures/make_tensorboard_fixture.py), every
/// record's checksums through a reader written here, and a training run's file through TensorBoard's own
/// `EventAccumulator` (Fixtures/read_tensorboard_events.py; skipped with a message when Python or tensorboard is missing).
@Suite struct SummaryWriterTests {
    static let fixtures = PyTorchInteropTests.fixtures

    /// A TFRecord reader independent of the writer: each record's length and data, with both masked CRC-32Cs checked.
    static func records(_ bytes: Data, sourceLocation: SourceLocation = #_sourceLocation) -> [Data] {
        let bytes = [UInt8](bytes)
        func little(_ range: Range<Int>) -> UInt64 { bytes[range].reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        // CRC-32C bit by bit, then TFRecord's mask.
        func masked(_ data: ArraySlice<UInt8>) -> UInt64 {
            var crc: UInt32 = ~0
            for byte in data {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? crc >> 1 ^ 0x82F6_3B78 : crc >> 1 }
            }
            crc = ~crc
            return UInt64((crc >> 15 | crc << 17) &+ 0xA282_EAD8)
        }
        var records: [Data] = []
        var offset = 0
        while offset + 12 <= bytes.count {
            let length = Int(little(offset..<offset + 8))
            #expect(
                little(offset + 8..<offset + 12) == masked(bytes[offset..<offset + 8]), "length CRC at \(offset)",
                sourceLocation: sourceLocation)
            guard offset + 16 + length <= bytes.count else { break }
            let data = bytes[offset + 12..<offset + 12 + length]
            #expect(
                little(offset + 12 + length..<offset + 16 + length) == masked(data), "data CRC at \(offset)",
                sourceLocation: sourceLocation)
            records.append(Data(data))
            offset += 16 + length
        }
        #expect(offset == bytes.count, "the file ends inside a record", sourceLocation: sourceLocation)
        return records
    }

    /// The fields of a protobuf message: number, and the varint or the bytes of a length-delimited field.
    static func fields(_ message: Data) -> [(number: Int, varint: UInt64?, bytes: Data?)] {
        let bytes = [UInt8](message)
        var offset = 0
        func varint() -> UInt64 {
            var (value, shift) = (UInt64(0), UInt64(0))
            while offset < bytes.count {
                let byte = bytes[offset]
                offset += 1
                value |= UInt64(byte & 0x7F) << shift
                shift += 7
                if byte < 0x80 { break }
            }
            return value
        }
        var fields: [(Int, UInt64?, Data?)] = []
        while offset < bytes.count {
            let key = varint()
            switch key & 7 {
            case 0: fields.append((Int(key >> 3), varint(), nil))
            case 1: offset += 8; fields.append((Int(key >> 3), nil, nil))
            case 5: offset += 4; fields.append((Int(key >> 3), nil, nil))
            default:
                let length = Int(varint())
                fields.append((Int(key >> 3), nil, Data(bytes[offset..<offset + length])))
                offset += length
            }
        }
        return fields
    }

    /// An event's step, and its file version or the tags of its summary values.
    static func describe(_ event: Data) -> (step: Int, fileVersion: String?, tags: [String]) {
        let fields = Self.fields(event)
        let step = fields.first { $0.number == 2 }?.varint.map(Int.init) ?? 0
        let version = fields.first { $0.number == 3 }?.bytes.map { String(decoding: $0, as: UTF8.self) }
        let values = fields.filter { $0.number == 5 }.flatMap { Self.fields($0.bytes!) }.filter { $0.number == 1 }
        let tags = values.compactMap { value in
            Self.fields(value.bytes!).first { $0.number == 1 }?.bytes.map { String(decoding: $0, as: UTF8.self) }
        }
        return (step, version, tags)
    }

    @Test func crc32cIsCastagnoli() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([]) == 0)
    }

    @Test func eventsAreTheBytesTensorBoardWrites() throws {
        let expected = try Data(contentsOf: Self.fixtures.appendingPathComponent("tensorboard_events.bin"))
        let histogram = Histogram(
            min: -1, max: 2, count: 4, sum: 1.5, sumOfSquares: 5.25, bucketLimits: [0, 1, 2], bucketCounts: [1, 2, 1])
        let events = [
            EventRecord.fileVersion(wallTime: 1_700_000_000.25),
            EventRecord.summary([("train/loss", .scalar(0.25))], step: 3, wallTime: 1_700_000_001.5),
            EventRecord.summary([("weights/fc1.weight", .histogram(histogram))], step: 300, wallTime: 1_700_000_002),
            EventRecord.summary(
                [("inputs", .image(png: Data(0..<16), height: 28, width: 56, channels: 1))], step: 2, wallTime: 1_700_000_003),
            EventRecord.summary([("configuration/text_summary", .text("| key | value |"))], step: 0, wallTime: 1_700_000_004),
        ]
        let written = events.map(TFRecord.frame).reduce(Data(), +)
        #expect(written == expected)
        #expect(Self.records(expected).count == 5)
    }

    @Test func histogramsHaveEqualWidthBuckets() {
        let histogram = Histogram(values: [0, 1, 1, 2, 3, .nan, 4], buckets: 4)
        #expect(histogram.min == 0 && histogram.max == 4 && histogram.count == 6)
        #expect(histogram.sum == 11 && histogram.sumOfSquares == 31)
        #expect(histogram.bucketLimits == [1, 2, 3, 4])
        #expect(histogram.bucketCounts == [1, 2, 1, 2])
        let constant = Histogram(values: [0.5, 0.5])
        #expect(constant.bucketLimits == [0.5] && constant.bucketCounts == [2])
        #expect(Histogram(values: []).bucketCounts.isEmpty)
    }

    /// 96 images 1x8x8 of 3 classes (class c has its bright band in rows 2c..2c+1), 6 training steps per epoch.
    static func bands(count: Int, seed: UInt64) throws -> InMemoryDataset {
        let noise = testValues(count * 64, seed: seed, low: 0, high: 0.3)
        var features = noise
        let labels = (0..<count).map { Int32($0 % 3) }
        for sample in 0..<count {
            for index in (16 * Int(labels[sample]))..<(16 * Int(labels[sample]) + 16) { features[sample * 64 + index] += 0.7 }
        }
        return try InMemoryDataset(
            features: features, labels: labels, sampleShape: [1, 8, 8], classNames: ["top", "middle", "bottom"])
    }

    /// Trains 2 epochs with the callback on `device`; returns the log directory.
    static func trainWithTensorBoard(in directory: URL, device: Device = .cpu) throws -> URL {
        let logs = directory.appendingPathComponent("tb")
        let train = try bands(count: 96, seed: 3), clean = try bands(count: 48, seed: 4)
        // Every fourth validation label is wrong, so some validation images are always misclassified.
        let validation = try clean.relabeled(
            clean.labels.enumerated().map { $0 % 4 == 0 ? ($1 + 1) % 3 : $1 }, classNames: clean.classNames)
        let model = try Sequential {
            Flatten()
            Dense(64, 3)
        }.to(device)
        let validationLoader = try DataLoader(validation, batchSize: 16, shuffle: false, device: device)
        let callback = TensorBoardCallback(
            writer: try SummaryWriter(logDirectory: logs), interval: 2, imageCount: 4, samples: train,
            validation: validationLoader,
            configuration: ["model": "linear", "lr": "0.5"], classNames: train.classNames)
        let trainer = Trainer(model: model, optimizer: SGD(model.parameters, learningRate: 0.5), callbacks: [callback])
        try trainer.fit(try DataLoader(train, batchSize: 16, seed: 1, device: device), validation: validationLoader, epochs: 2)
        return logs
    }

    @Test(arguments: testDevices)
    func trainingWritesAnEventFileWithEveryKindOfSummary(device: Device) throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let logs = try Self.trainWithTensorBoard(in: directory, device: device)
        let files = try FileManager.default.contentsOfDirectory(atPath: logs.path)
        #expect(files.count == 1 && files[0].hasPrefix("events.out.tfevents."), "\(files)")
        let events = Self.records(try Data(contentsOf: logs.appendingPathComponent(files[0]))).map(Self.describe)
        #expect(events.first?.fileVersion == "brain.Event:2")
        let tagged = events.dropFirst().flatMap { event in event.tags.map { ($0, event.step) } }
        func steps(_ tag: String) -> [Int] { tagged.filter { $0.0 == tag }.map(\.1) }
        #expect(steps("train/loss") == [2, 4, 6, 8, 10, 12])
        #expect(steps("epoch/validation_accuracy") == [1, 2])
        #expect(steps("parameters/1.weight") == [1, 2] && steps("gradients/1.bias") == [1, 2])
        #expect(steps("inputs") == [0] && steps("configuration") == [0])
        #expect(steps("validation/misclassified") == [1, 2] && steps("validation/misclassified_labels") == [1, 2])
    }

    /// A model of two outputs logs each output's loss, and accuracy for its class output, under the output's name;
    /// the total accuracy (meaningless there) is left out.
    @Test(arguments: testDevices)
    func severalOutputsAreLoggedEachUnderItsName(device: Device) throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let logs = directory.appendingPathComponent("tb")
        let model = try MultiOutputFixtures.model(seed: 2).to(device)
        #expect(model.outputNames == ["classes", "value"])
        let callback = TensorBoardCallback(writer: try SummaryWriter(logDirectory: logs), interval: 2)
        let trainer = try MultiOutputFixtures.trainer(
            model, optimizer: Adam(model.parameters, learningRate: 0.01), callbacks: [callback])
        let train = try DataLoader(try MultiOutputFixtures.data(count: 64, seed: 5), batchSize: 16, seed: 3, device: device)
        let validation = try DataLoader(try MultiOutputFixtures.data(count: 32, seed: 9), batchSize: 32, device: device)
        let epochs = try trainer.fit(train, validation: validation, epochs: 2)
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: logs.path).first)
        let events = Self.records(try Data(contentsOf: logs.appendingPathComponent(file))).map(Self.describe)
        let tagged = events.dropFirst().flatMap { event in event.tags.map { ($0, event.step) } }
        func steps(_ tag: String) -> [Int] { tagged.filter { $0.0 == tag }.map(\.1) }
        for tag in ["train/loss/classes", "train/accuracy/classes", "train/loss/value", "train/loss"] {
            #expect(steps(tag) == [2, 4, 6, 8], "\(tag)")
        }
        for tag in [
            "epoch/train_loss/classes", "epoch/train_accuracy/classes", "epoch/train_loss/value",
            "epoch/validation_loss/classes", "epoch/validation_accuracy/classes", "epoch/validation_loss/value",
        ] {
            #expect(steps(tag) == [1, 2], "\(tag)")
        }
        for absent in ["train/accuracy", "train/accuracy/value", "epoch/train_accuracy", "epoch/validation_accuracy/value"] {
            #expect(steps(absent).isEmpty, "\(absent)")
        }
        #expect(epochs.count == 2 && epochs[1].validationOutputs?.count == 2)
        // Unnamed layers are named by position; a merge output by its index.
        let x = Input(shape: [2])
        let h = try Dense(outputs: 2)(x)
        let unnamed = try GraphModel(inputs: [x], outputs: [h, try add([h, x])])
        #expect(unnamed.outputNames == ["layer0", "output1"])
    }

    /// A writer's file sorts after the event files already in its directory, even those named for a later second (a
    /// run resumed within the second its last part started), and a name with an absurd number does not trap.
    @Test func aNewEventFileSortsAfterTheOnesThere() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let later = Int(Date().timeIntervalSince1970) + 100
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for name in ["events.out.tfevents.\(later).host.99999.1", "events.out.tfevents.x.host.1.1", "notes.txt"] {
            try Data().write(to: directory.appendingPathComponent(name))
        }
        let first = try SummaryWriter(logDirectory: directory).file.lastPathComponent
        let second = try SummaryWriter(logDirectory: directory).file.lastPathComponent
        #expect(first.hasPrefix("events.out.tfevents.\(later + 1).") && second.hasPrefix("events.out.tfevents.\(later + 2)."))
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.contains("host.9") || $0 == first || $0 == second
        }
        #expect(names.sorted().suffix(2) == [first, second])
        let absurd = directory.appendingPathComponent("absurd")
        try FileManager.default.createDirectory(at: absurd, withIntermediateDirectories: true)
        try Data().write(to: absurd.appendingPathComponent("events.out.tfevents.\(Int.max).host.1.1"))
        #expect(try SummaryWriter(logDirectory: absurd).file.lastPathComponent.hasPrefix("events.out.tfevents.\(Int.max)."))
    }

    @Test func tensorBoardReadsTheEventFile() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let logs = try Self.trainWithTensorBoard(in: directory)
        let script = Self.fixtures.appendingPathComponent("read_tensorboard_events.py").path
        guard let (status, output) = try PythonScript.run([script, logs.path]) else {
            print("SummaryWriterTests: skipping TensorBoard's EventAccumulator check: python3 is not available")
            return
        }
        guard status != 77 else {
            print(
                "SummaryWriterTests: skipping TensorBoard's EventAccumulator check: \(output.trimmingCharacters(in: .whitespacesAndNewlines))"
            )
            return
        }
        #expect(status == 0, "\(output)")
        let read = try #require(
            try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: [String: [[Any]]]], "\(output)")
        func steps(_ kind: String, _ tag: String) -> [Int] { read[kind]?[tag]?.compactMap { $0.first as? Int } ?? [] }
        #expect(steps("scalars", "train/loss") == [2, 4, 6, 8, 10, 12])
        #expect(steps("scalars", "train/learning_rate") == [2, 4, 6, 8, 10, 12])
        for tag in [
            "epoch/train_loss", "epoch/train_accuracy", "epoch/validation_loss", "epoch/validation_accuracy",
            "epoch/learning_rate", "epoch/images_per_second",
        ] {
            #expect(steps("scalars", tag) == [1, 2], "\(tag)")
        }
        #expect((read["scalars"]?["epoch/learning_rate"]?.first?[1] as? Double) == 0.5)
        for name in ["1.weight", "1.bias"] {
            #expect(steps("histograms", "parameters/\(name)") == [1, 2])
            #expect(steps("histograms", "gradients/\(name)") == [1, 2])
        }
        #expect((read["histograms"]?["parameters/1.weight"]?.first?[1] as? Double) == 192)
        // 4 images of 8x8 in a row, 2 pixels apart: 42x12, gray.
        let inputs = try #require(read["images"]?["inputs"]?.first)
        #expect(inputs[0] as? Int == 0 && inputs[1] as? Int == 42 && inputs[2] as? Int == 12)
        if let mode = inputs[3] as? String { #expect(mode == "L") }
        // 4 mistakes at least (the wrong labels) in a grid of 4.
        #expect(steps("images", "validation/misclassified") == [1, 2])
        #expect((read["images"]?["validation/misclassified"]?.first?[1] as? Int) == 42)
        #expect((read["tensors"]?["validation/misclassified_labels"]?.first?[1] as? String)?.contains(" taken for ") == true)
        #expect(steps("tensors", "configuration") == [0])
        #expect((read["tensors"]?["configuration"]?.first?[1] as? String)?.contains("| lr | 0.5 |") == true)
    }
}
