import Foundation
import FoveaCore
import FoveaTestSupport
import Testing

@testable import FoveaData

/// Serialized: one test counts the loaders' background threads.
@Suite(.serialized) struct DataLoaderTests {
    /// `count` samples of shape [2, 3]; sample i holds i * 10 + k at element k, label i % 4.
    static func numbered(_ count: Int) throws -> InMemoryDataset {
        try InMemoryDataset(
            features: (0..<count).flatMap { i in (0..<6).map { Float(i * 10 + $0) } },
            labels: (0..<count).map { Int32($0 % 4) }, sampleShape: [2, 3])
    }

    /// The sample indices of every batch of one epoch, read back from the batch tensors.
    static func epochIndices(_ loader: DataLoader) throws -> [[Int]] {
        var result: [[Int]] = []
        for batch in loader {
            let inputs = try batch.inputs.toArray()
            let indices = stride(from: 0, to: inputs.count, by: 6).map { Int(inputs[$0]) / 10 }
            #expect(indices == batch.indices)
            #expect(try batch.targets.toInt32Array() == indices.map { Int32($0 % 4) })
            result.append(indices)
        }
        return result
    }

    @Test(arguments: testDevices)
    func batchesHaveTheRightShapesCountsAndDevice(device: Device) throws {
        let data = try Self.numbered(10)
        let loader = try DataLoader(data, batchSize: 4, shuffle: false, device: device)
        #expect(loader.count == 3)
        let batches = Array(loader)
        #expect(batches.map(\.inputs.shape) == [[4, 2, 3], [4, 2, 3], [2, 2, 3]])
        #expect(batches.map(\.targets.shape) == [[4], [4], [2]])
        #expect(batches.allSatisfy { $0.inputs.device == device && $0.targets.device == device })
        #expect(try batches[2].inputs.toArray() == (80..<86).map(Float.init) + (90..<96).map(Float.init))
        #expect(batches[0].targets.dtype == .int32)
        #expect(try batches[0].targets.toInt32Array() == [0, 1, 2, 3])

        let dropping = try DataLoader(data, batchSize: 4, shuffle: false, dropLast: true, device: device)
        #expect(dropping.count == 2)
        #expect(Array(dropping).map(\.inputs.shape) == [[4, 2, 3], [4, 2, 3]])
        #expect(try DataLoader(data).batchSize == 32)
        #expect(try DataLoader(data).count == 1)
    }

    @Test func everyEpochSeesEverySampleOnceInANewReproducibleOrder() throws {
        let data = try Self.numbered(23)
        let loader = try DataLoader(data, batchSize: 5, seed: 7)
        let epochs = try (0..<3).map { _ in try Self.epochIndices(loader) }
        #expect(loader.epoch == 3)
        for epoch in epochs {
            #expect(epoch.map(\.count) == [5, 5, 5, 5, 3])
            #expect(epoch.flatMap { $0 }.sorted() == Array(0..<23))
        }
        #expect(epochs[0] != epochs[1] && epochs[1] != epochs[2])
        #expect(epochs[0].flatMap { $0 } != Array(0..<23))

        let twin = try DataLoader(data, batchSize: 5, seed: 7)
        #expect(try (0..<3).map { _ in try Self.epochIndices(twin) } == epochs)
        let other = try DataLoader(data, batchSize: 5, seed: 8)
        #expect(try Self.epochIndices(other) != epochs[0])
        #expect(loader.order(epoch: 1) == epochs[1].flatMap { $0 })
    }

    @Test func prefetchingGivesTheSameBatchesAsMakingThemOnDemand() throws {
        let data = try Self.numbered(17)
        let transform = Compose([RandomCrop(padding: 1), GaussianNoise(standardDeviation: 0.5)])
        let eager = try DataLoader(data, batchSize: 4, seed: 3, transform: transform, prefetch: 0)
        let ahead = try DataLoader(data, batchSize: 4, seed: 3, transform: transform, prefetch: 2)
        for _ in 0..<2 {
            let a = try Array(eager).map { try $0.inputs.toArray() }
            let b = try Array(ahead).map { try $0.inputs.toArray() }
            #expect(a == b)
        }
    }

    @Test func breakingOutOfAnEpochStopsTheBackgroundThread() throws {
        let data = try Self.numbered(200)
        let loader = try DataLoader(data, batchSize: 2, prefetch: 2)
        for (number, _) in loader.enumerated() where number == 1 { break }
        var iterator: DataLoader.Iterator? = loader.makeIterator()
        _ = iterator?.next()
        iterator = nil
        let deadline = Date().addingTimeInterval(5)
        while BatchChannel.runningProducers > 0 && Date() < deadline { usleep(1000) }
        #expect(BatchChannel.runningProducers == 0)
        // The loader still runs full epochs afterwards.
        #expect(Array(loader).count == 100)
    }

    @Test func badSettingsAreRefused() throws {
        let data = try Self.numbered(3)
        #expect(throws: FoveaError.invalidArgument("DataLoader: batch size 0 must be positive")) {
            try DataLoader(data, batchSize: 0)
        }
        #expect(
            throws: FoveaError.invalidArgument("Normalize: 3 means and 3 standard deviations for 1 channels of samples [2, 3]")
        ) {
            try DataLoader(data, transform: Normalize(mean: [0, 0, 0], standardDeviation: [1, 1, 1]))
        }
    }

    @Test func splitIsSeededDisjointAndComplete() throws {
        let data = try Self.numbered(50)
        let (train, validation) = try data.split(validationFraction: 0.2, seed: 1)
        #expect(train.count == 40 && validation.count == 10)
        let ids = (train.features + validation.features).enumerated().filter { $0.offset % 6 == 0 }.map { Int($0.element) / 10 }
        #expect(ids.sorted() == Array(0..<50))
        #expect(try data.split(validationFraction: 0.2, seed: 1).validation.features == validation.features)
        #expect(try data.split(validationFraction: 0.2, seed: 2).validation.features != validation.features)
        #expect(throws: FoveaError.self) { try data.split(validationFraction: 1.5, seed: 1) }
    }

    @Test func inMemoryDatasetChecksItsSizes() throws {
        #expect(throws: FoveaError.invalidArgument("InMemoryDataset: 5 features do not make 2 samples of shape [3]")) {
            try InMemoryDataset(features: [1, 2, 3, 4, 5], labels: [0, 1], sampleShape: [3])
        }
        #expect(throws: FoveaError.invalidArgument("InMemoryDataset: label 2 of sample 1 is outside 0..<2")) {
            try InMemoryDataset(features: [1, 2], labels: [0, 2], sampleShape: [1], classNames: ["a", "b"])
        }
        let data = try Self.numbered(4)
        #expect(try data.subset([3, 0, 3]).labels == [3, 0, 3])
        #expect(data.classCount == 4)
    }

    @Test func noisyCopiesKeepLabelsAndAreReproducible() throws {
        let data = try Self.numbered(5)
        let augmented = try data.appendingNoisyCopies(2, standardDeviation: 0.1, seed: 4)
        #expect(augmented.count == 15)
        #expect(augmented.labels == data.labels + data.labels + data.labels)
        #expect(Array(augmented.features[..<30]) == data.features)
        let copy = Array(augmented.features[30..<60])
        #expect(copy != data.features && maxAbsDifference(copy, data.features) < 1)
        #expect(try data.appendingNoisyCopies(2, standardDeviation: 0.1, seed: 4).features == augmented.features)
    }
}
