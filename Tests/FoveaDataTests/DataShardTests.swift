import Foundation
import FoveaCore
import FoveaData
import FoveaTestSupport
import Testing

/// Sharded loaders: N replicas with batch size B see exactly the batches of one loader with N x B.
@Suite struct DataShardTests {
    @Test func partsSplitASampleCountAsEvenlyAsItGoes() throws {
        func parts(_ samples: Int, _ count: Int) throws -> [Range<Int>] {
            try (0..<count).map { try DataShard(rank: $0, count: count).part(of: samples) }
        }
        #expect(try parts(12, 3) == [0..<4, 4..<8, 8..<12])
        #expect(try parts(11, 3) == [0..<4, 4..<8, 8..<11])
        #expect(try parts(10, 3) == [0..<4, 4..<7, 7..<10])
        #expect(try parts(2, 3) == [0..<1, 1..<2, 2..<2])
        #expect(try parts(5, 1) == [0..<5])
        #expect(throws: FoveaError.invalidArgument("DataShard: rank 3 of 3 replicas is out of range")) {
            try DataShard(rank: 3, count: 3)
        }
        #expect(throws: FoveaError.invalidArgument("DataShard: rank 0 of 0 replicas is out of range")) {
            try DataShard(rank: 0, count: 0)
        }
    }

    /// 3 replicas of batch size 4 over 23 shuffled samples: 2 global batches of 12 and one of 11, shared 4/4/3, some
    /// shares empty when a batch is shorter than the replicas (batch size 1 over 23 samples: the last batch has 2).
    @Test(arguments: [(4, 3), (1, 3), (8, 2)], testDevices)
    func replicasTakeTheirPartOfEachGlobalBatch(shape: (batchSize: Int, replicas: Int), device: Device) throws {
        let data = try DataLoaderTests.numbered(23)
        let whole = try DataLoader(data, batchSize: shape.batchSize * shape.replicas, seed: 5, device: device)
        let shards = try (0..<shape.replicas).map {
            try DataLoader(
                data, batchSize: shape.batchSize, seed: 5, device: device, shard: DataShard(rank: $0, count: shape.replicas))
        }
        #expect(shards.allSatisfy { $0.count == whole.count && $0.globalBatchSize == whole.batchSize })
        func epoch(_ loader: DataLoader) throws -> [Batch] {
            var iterator = loader.batches(epoch: 1), batches: [Batch] = []
            while let batch = try iterator.nextBatch() { batches.append(batch) }
            return batches
        }
        let expected = try epoch(whole).map(\.indices)
        let parts = try shards.map(epoch)
        for (number, batch) in expected.enumerated() {
            #expect(parts.flatMap { $0[number].indices } == batch)
            #expect(parts.allSatisfy { $0[number].globalCount == batch.count })
            let sizes = parts.map { $0[number].indices.count }
            #expect(sizes.max()! - sizes.min()! <= 1 && sizes == sizes.sorted(by: >), "\(sizes)")
            for part in parts.map({ $0[number] }) {
                #expect(part.inputs.shape == Shape([part.indices.count, 2, 3]))
                let values: [Float] = part.indices.flatMap { i in (0..<6).map { Float(i * 10 + $0) } }
                #expect(try part.inputs.toArray() == values)
            }
        }
    }
}
