import Foundation

/// Data-parallel training on several devices of one process (PyTorch's DistributedDataParallel with one process per
/// device, here one thread per device): `run` calls your closure once per device, each on its own thread with its
/// `Replica`; the closure builds its own model on `replica.device`, a `Trainer` whose `replicas` is `replica.group`
/// and loaders sharded with `replica.shard`, and trains. `fit` makes every model replica 0's, gradients are averaged
/// over the whole batch before each step, so N devices with batches of B take the steps of one device with N x B.
///
/// ```swift
/// let histories = try DataParallel(devices: [.opencl(0), .opencl(1)]).run { replica in
///     let model = try Models.lenet5()
///     try model.to(replica.device)
///     let trainer = Trainer(model: model, optimizer: Adam(model.parameters, learningRate: 1e-3))
///     trainer.replicas = replica.group
///     let loader = try DataLoader(data, batchSize: 32, device: replica.device, shard: replica.shard)
///     return try trainer.fit(loader, epochs: 2)
/// }
/// ```
///
/// Sums and broadcasts go through host memory (the gradient buckets are host buffers already). Let replica 0 alone
/// print and write files (`replica.isLeader`). Each replica's thread has its own `Generator.default` (seeded as the
/// process's; `manualSeed` in the closure reseeds the replica's), so dropout masks repeat from run to run. An error on any replica stops the others at their next collective.
public struct DataParallel {
    /// One replica: its place in the group, its device, the group's collectives and its share of each batch.
    public struct Replica {
        public let rank: Int
        public let device: Device
        /// Give it to `Trainer.replicas`.
        public let group: InProcessReplicas
        /// Give it to each `DataLoader(shard:)`.
        public let shard: DataShard
        /// Whether this replica leads (rank 0): it alone should print and write the run's files.
        public var isLeader: Bool { rank == 0 }
    }

    /// The devices, one replica each, in rank order.
    public let devices: [Device]

    /// Throws when `devices` is empty or names a device twice.
    public init(devices: [Device]) throws {
        guard !devices.isEmpty else { throw FoveaError.invalidArgument("DataParallel: no devices given") }
        if let twice = devices.first(where: { device in devices.filter { $0 == device }.count > 1 }) {
            throw FoveaError.invalidArgument("DataParallel: device \(twice) is given twice; give each device once")
        }
        self.devices = devices
    }

    /// Runs `body` on one thread per device and returns each replica's result, in rank order.
    ///
    /// When replicas throw, this throws the error of the lowest rank that failed on its own, not of those the failure
    /// stopped (`ReplicaGroupStopped`), and only after every thread has ended.
    public func run<T>(_ body: @escaping (Replica) throws -> T) throws -> [T] {
        let groups = try InProcessReplicas.group(count: devices.count)
        let outcomes = ReplicaOutcomes<T>(count: devices.count)
        for (rank, device) in devices.enumerated() {
            let replica = Replica(
                rank: rank, device: device, group: groups[rank], shard: try DataShard(rank: rank, count: devices.count))
            // Each replica draws from a generator of its own (the process's seed, as every MPI rank starts from it).
            let generator = Generator(seed: Generator.default.seed)
            let thread = Thread {
                do {
                    outcomes.set(rank, .success(try Generator.withDefault(generator) { try body(replica) }))
                } catch {
                    replica.group.stop("replica \(rank) on \(device) failed: \(error)")
                    outcomes.set(rank, .failure(error))
                }
                replica.group.leave()
                outcomes.done()
            }
            thread.name = "fovea.replica\(rank)"
            // As much stack as the main thread: a deep model's backward recurses.
            thread.stackSize = 8 << 20
            thread.start()
        }
        let results = outcomes.waitForAll()!
        let failures = results.enumerated().compactMap { rank, result -> (Int, Error)? in
            if case .failure(let error) = result { return (rank, error) }
            return nil
        }
        if let first = failures.first(where: { !($0.1 is ReplicaGroupStopped) }) ?? failures.first { throw first.1 }
        return results.map { try! $0.get() }
    }
}

/// The replicas' results, filled in by their threads.
final class ReplicaOutcomes<T>: @unchecked Sendable {
    private let condition = NSCondition()
    private var results: [Result<T, Error>?]
    private var running: Int

    init(count: Int) {
        results = Array(repeating: nil, count: count)
        running = count
    }

    func set(_ rank: Int, _ result: Result<T, Error>) {
        condition.lock(); results[rank] = result; condition.unlock()
    }

    func done() {
        condition.lock(); running -= 1; condition.broadcast(); condition.unlock()
    }

    /// Every replica's result once all are done; nil when `deadline` passes first.
    func waitForAll(until deadline: Date? = nil) -> [Result<T, Error>]? {
        condition.lock(); defer { condition.unlock() }
        while running > 0 {
            // (NSCondition.wait(until: .distantFuture) returns at once on Linux, so no deadline is a plain wait.)
            guard let deadline else { condition.wait(); continue }
            guard condition.wait(until: deadline) else { return nil }
        }
        return results.map { $0! }
    }
}
