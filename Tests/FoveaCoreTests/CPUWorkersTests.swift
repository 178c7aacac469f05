import Foundation
import Testing

@testable import FoveaCore

/// The CPU backend's worker threads: every iteration runs exactly once before `perform` returns, from one caller, from
/// loops nested in a loop (which run on Dispatch's threads), and from several threads at once.
@Suite struct CPUWorkersTests {
    /// A count that several threads add to.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func add() { lock.withLock { value += 1 } }
        var total: Int { lock.withLock { value } }
    }

    /// Runs a loop of `iterations`, each adding one to its own slot, and returns the slots.
    static func counts(iterations: Int) -> [Int] {
        var runs = [Int](repeating: 0, count: iterations)
        runs.withUnsafeMutableBufferPointer { buffer in
            let slots = buffer.baseAddress!
            CPUWorkers.perform(iterations: iterations) { slots[$0] += 1 }
        }
        return runs
    }

    @Test func everyIterationRunsOnce() {
        for iterations in [1, 2, 3, 7, 64, 1000] {
            for _ in 0..<50 {
                #expect(Self.counts(iterations: iterations) == Array(repeating: 1, count: iterations), "\(iterations)")
            }
        }
    }

    @Test func nestedLoopsRunEveryIteration() {
        let total = Counter()
        CPUWorkers.perform(iterations: 4) { _ in
            CPUWorkers.perform(iterations: 5) { _ in total.add() }
        }
        #expect(total.total == 20)
    }

    @Test func loopsFromSeveralThreadsRunEveryIteration() {
        let failures = Counter()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for iterations in [2, 9, 100] where Self.counts(iterations: iterations) != Array(repeating: 1, count: iterations) {
                failures.add()
            }
        }
        #expect(failures.total == 0)
    }

    @Test func writesOfALoopAreSeenAfterIt() {
        // Each iteration writes its slice; the caller reads them all once perform returns.
        var values = [Int](repeating: 0, count: 4096)
        for round in 1...20 {
            values.withUnsafeMutableBufferPointer { buffer in
                let base = buffer.baseAddress!
                CPUWorkers.perform(iterations: 64) { part in
                    for i in part * 64..<(part + 1) * 64 { base[i] = round * i }
                }
            }
            #expect(values == (0..<4096).map { round * $0 })
        }
    }
}
