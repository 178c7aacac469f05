import Foundation
import FoveaTestSupport
import Testing

@testable import FoveaCore

/// OpenBLAS's process-wide thread count is raised for one large product at a time, never under another call.
@Suite struct OpenBLASThreadsTests {
    @Test func noCallSeesTheCountRaisedForAnother() {
        // 100 raises of 0.2 ms with gaps between them (every CPU test's GEMMs wait while one is held), read meanwhile.
        let done = LockedFlag()
        let raiser = Thread {
            for _ in 0..<100 { OpenBLASThreads.multiple(4) { usleep(200) }; usleep(200) }
            done.set()
        }
        raiser.start()
        var counts = Set<Int>(), reads = 0
        while !done.value { counts.insert(OpenBLASThreads.current); reads += 1 }
        #expect(counts == [1] && reads > 0)
    }

    /// Large products (2^24 multiply-adds and more: OpenBLAS's own threads) and small ones on several threads at once
    /// give the results they give alone.
    @Test func concurrentLargeAndSmallProductsAreRight() throws {
        let shapes: [(Int, Int, Int)] = [(256, 256, 256), (300, 260, 280), (16, 40, 24), (256, 256, 256)]
        let operands = try shapes.enumerated().map { index, shape in
            (
                try testTensor([shape.0, shape.1], device: .cpu, seed: UInt64(index)),
                try testTensor([shape.1, shape.2], device: .cpu, seed: UInt64(index + 9))
            )
        }
        let expected = try operands.map { try $0.0.matmul($0.1).toArray() }
        let results = LockedResults(count: operands.count * 3)
        let threads = (0..<results.count).map { slot in
            Thread {
                let (a, b) = operands[slot % operands.count]
                results.set(slot, try? a.matmul(b).toArray())
            }
        }
        for thread in threads { thread.start() }
        while !results.isComplete { Thread.sleep(forTimeInterval: 0.01) }
        for slot in 0..<results.count {
            #expect(results.value(slot) == expected[slot % operands.count], "product \(slot)")
        }
        #expect(OpenBLASThreads.current == 1)
    }

    final class LockedFlag: @unchecked Sendable {
        private let lock = NSLock()
        private var flag = false
        var value: Bool { lock.lock(); defer { lock.unlock() }; return flag }
        func set() { lock.lock(); flag = true; lock.unlock() }
    }

    final class LockedResults: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [[Float]??]
        init(count: Int) { values = Array(repeating: nil, count: count) }
        var count: Int { values.count }
        var isComplete: Bool { lock.lock(); defer { lock.unlock() }; return values.allSatisfy { $0 != nil } }
        func set(_ slot: Int, _ value: [Float]?) { lock.lock(); values[slot] = .some(value); lock.unlock() }
        func value(_ slot: Int) -> [Float]? { lock.lock(); defer { lock.unlock() }; return values[slot] ?? nil }
    }
}
