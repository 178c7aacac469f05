import Foundation

/// One of several replicas that train in one process, each on its own thread and device (`DataParallel` makes them):
/// collectives go through shared host memory, the last replica to arrive computing each one for all (see
/// `ReplicaRendezvous`). A replica that fails stops the others at their next collective instead of leaving them waiting.
public final class InProcessReplicas: ReplicaGroup {
    public let rank: Int
    public var size: Int { rendezvous.size }
    private let rendezvous: ReplicaRendezvous
    /// The number of this replica's next collective operation.
    private var sequence = 0

    /// The `count` replicas of one group, in rank order; hand each to its own thread.
    public static func group(count: Int) throws -> [InProcessReplicas] {
        guard count > 0 else { throw FoveaError.invalidArgument("InProcessReplicas: \(count) replicas: need at least one") }
        let rendezvous = ReplicaRendezvous(size: count)
        return (0..<count).map { InProcessReplicas(rank: $0, rendezvous: rendezvous) }
    }

    private init(rank: Int, rendezvous: ReplicaRendezvous) {
        self.rank = rank
        self.rendezvous = rendezvous
    }

    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer) throws {
        try wait(for: start(.broadcast, bytes.baseAddress, count: bytes.count))
    }

    public func sum(_ values: UnsafeMutableBufferPointer<Double>) throws {
        try wait(for: start(.sumDouble, values.baseAddress, count: values.count))
    }

    public func startSum(_ values: UnsafeMutableBufferPointer<Float>) throws -> PendingSum {
        let (round, number) = try start(.sumFloat, values.baseAddress, count: values.count)
        return InProcessPendingSum { [self] in try wait(for: (round, number)) }
    }

    /// Nothing to do: the last replica to arrive computes each sum.
    public func progress() throws {}

    /// Stops every replica of the group at its next collective with `reason` (this one failed).
    public func stop(_ reason: String) { rendezvous.stop(reason) }

    /// Says that this replica makes no more collective calls.
    public func leave() { rendezvous.leave(rank: rank) }

    private func start(_ operation: ReplicaRendezvous.Operation, _ buffer: UnsafeMutableRawPointer?, count: Int) throws
        -> (ReplicaRendezvous.Round, Int)
    {
        let number = sequence
        sequence += 1
        return (try rendezvous.arrive(sequence: number, rank: rank, operation: operation, buffer: buffer, count: count), number)
    }

    private func wait(for started: (round: ReplicaRendezvous.Round, number: Int)) throws {
        try rendezvous.wait(for: started.round, sequence: started.number, rank: rank)
    }
}

/// A sum of in-process replicas under way.
final class InProcessPendingSum: PendingSum {
    private var waiting: (() throws -> Void)?

    init(_ wait: @escaping () throws -> Void) { waiting = wait }

    func wait() throws {
        guard let waiting else { return }
        self.waiting = nil
        try waiting()
    }
}
