import Foundation

/// Where the replicas of one process meet for each collective operation (`InProcessReplicas`): every replica hands
/// its host buffer to the operation of its sequence number; the last to arrive computes it straight in everyone's
/// buffers (sums in rank order, so every replica gets the same bits), and each replica returns once it is complete.
///
/// A replica that fails calls `stop(_:)`: every replica waiting, or arriving later, throws `ReplicaGroupStopped`
/// instead of waiting forever. A replica that finishes while another waits for it stops the group the same way.
final class ReplicaRendezvous: @unchecked Sendable {
    /// What a collective does with the buffers.
    enum Operation: String {
        case broadcast = "a broadcast", sumDouble = "a sum of Float64", sumFloat = "a sum of Float32"
    }

    /// One collective operation under way.
    final class Round {
        let operation: Operation
        let count: Int
        var buffers: [UnsafeMutableRawPointer?]
        var arrived = 0
        var isComplete = false
        var departed = 0

        init(operation: Operation, count: Int, size: Int) {
            self.operation = operation
            self.count = count
            buffers = Array(repeating: nil, count: size)
        }
    }

    let size: Int
    private let condition = NSCondition()
    private var rounds: [Int: Round] = [:]
    private var stopReason: String?
    private var finished: [Int] = []

    init(size: Int) { self.size = size }

    /// Hands replica `rank`'s buffer of `count` elements to collective number `sequence`; the last replica to arrive
    /// computes it. Throws when the group has stopped or the replicas disagree on the operation.
    func arrive(sequence: Int, rank: Int, operation: Operation, buffer: UnsafeMutableRawPointer?, count: Int) throws -> Round {
        condition.lock()
        if let stopReason { condition.unlock(); throw ReplicaGroupStopped(reason: stopReason) }
        let round = rounds[sequence] ?? Round(operation: operation, count: count, size: size)
        rounds[sequence] = round
        guard round.operation == operation, round.count == count else {
            condition.unlock()
            let reason =
                "the replicas disagree on collective operation \(sequence): \(round.operation.rawValue) of \(round.count) "
                + "elements against \(operation.rawValue) of \(count) on replica \(rank)"
            stop(reason)
            throw ReplicaGroupStopped(reason: reason)
        }
        round.buffers[rank] = buffer
        round.arrived += 1
        let isLast = round.arrived == size
        condition.unlock()
        if isLast {
            compute(round)
            condition.lock()
            round.isComplete = true
            condition.broadcast()
            condition.unlock()
        }
        return round
    }

    /// Returns when `round` is complete (its results are in every buffer); throws when the group stopped first.
    func wait(for round: Round, sequence: Int, rank: Int) throws {
        condition.lock()
        defer { condition.unlock() }
        while !round.isComplete {
            if let stopReason { throw ReplicaGroupStopped(reason: stopReason) }
            if let gone = finished.first {
                let reason =
                    "replica \(gone) finished while replica \(rank) waits for it in collective operation \(sequence) "
                    + "(the replicas made different calls)"
                stopLocked(reason)
                throw ReplicaGroupStopped(reason: reason)
            }
            condition.wait()
        }
        round.departed += 1
        if round.departed == size { rounds[sequence] = nil }
    }

    /// Stops the group: every collective waiting or to come throws with `reason` (the first reason given is kept).
    func stop(_ reason: String) {
        condition.lock()
        stopLocked(reason)
        condition.unlock()
    }

    private func stopLocked(_ reason: String) {
        if stopReason == nil { stopReason = reason }
        condition.broadcast()
    }

    /// Replica `rank` makes no more calls: a replica still waiting for it stops the group.
    func leave(rank: Int) {
        condition.lock()
        finished.append(rank)
        condition.broadcast()
        condition.unlock()
    }

    /// Computes `round` in the buffers of every replica; no replica touches them until it is complete.
    private func compute(_ round: Round) {
        guard round.count > 0 else { return }
        let buffers = round.buffers.map { $0! }
        switch round.operation {
        case .broadcast:
            for buffer in buffers.dropFirst() { buffer.copyMemory(from: buffers[0], byteCount: round.count) }
        case .sumDouble: Self.sum(buffers.map { $0.assumingMemoryBound(to: Double.self) }, count: round.count)
        case .sumFloat: Self.sum(buffers.map { $0.assumingMemoryBound(to: Float.self) }, count: round.count)
        }
    }

    /// Sums element-wise in rank order into every buffer.
    private static func sum<T: FloatingPoint>(_ buffers: [UnsafeMutablePointer<T>], count: Int) {
        for i in 0..<count {
            var total = buffers[0][i]
            for buffer in buffers.dropFirst() { total += buffer[i] }
            for buffer in buffers { buffer[i] = total }
        }
    }
}

/// Thrown by a collective operation of in-process replicas when another replica failed or stopped taking part.
public struct ReplicaGroupStopped: Error, Equatable, CustomStringConvertible {
    /// Why the group stopped.
    public let reason: String
    public var description: String { "data-parallel replicas stopped: \(reason)" }
}
