import CMPI
import Foundation
import Fovea

/// The processes of an MPI job (`mpirun -n N`) as replicas for data-parallel training: one process per replica,
/// `MPI_COMM_WORLD`'s ranks, gradients summed with `MPI_Iallreduce` and metrics with `MPI_Allreduce`.
///
/// A blocking collective that does not complete in `collectiveTimeout` seconds (another rank stopped or hangs) ends
/// the whole job, after a message naming this rank and the collective: with `MPI_Abort` from the watchdog's thread
/// where MPI allows calls from several threads (`MPI_THREAD_MULTIPLE`, as Open MPI does), else by ending this process,
/// which makes `mpirun` end the others. `abort(_:)` does the same for an error. Make one per process: MPI starts once.
public final class MPIReplicas: ReplicaGroup {
    public let rank: Int
    public let size: Int
    /// Seconds a blocking collective may take before the job is aborted.
    public let collectiveTimeout: Double
    private let world = fovea_mpi_comm_world()
    private let watchdog: CollectiveWatchdog
    /// Sums started and not yet seen complete, made to progress by `progress()`.
    private var inFlight: [MPIPendingSum] = []

    nonisolated(unsafe) private static var initialized = false

    /// Starts MPI in this process (`MPI_Init_thread`; Fovea calls MPI from this thread, and from the watchdog's only to
    /// abort). Throws when MPI was started already or fails to start, or when the timeout is not positive.
    public init(collectiveTimeout: Double = MPIReplicas.defaultCollectiveTimeout) throws {
        guard collectiveTimeout > 0, collectiveTimeout.isFinite else {
            throw FoveaError.invalidArgument("--collective-timeout \(collectiveTimeout): must be a positive number of seconds")
        }
        guard !Self.initialized else { throw FoveaError.invalidArgument("MPI: already started in this process") }
        var provided: Int32 = 0
        try Self.check(MPI_Init_thread(nil, nil, fovea_mpi_thread_multiple(), &provided), "MPI_Init_thread")
        Self.initialized = true
        var rank: Int32 = 0, size: Int32 = 0
        try Self.check(MPI_Comm_rank(world, &rank), "MPI_Comm_rank")
        try Self.check(MPI_Comm_size(world, &size), "MPI_Comm_size")
        self.rank = Int(rank)
        self.size = Int(size)
        self.collectiveTimeout = collectiveTimeout
        let label = "rank \(rank) of \(size)"
        let mayAbortFromAnotherThread = provided >= fovea_mpi_thread_multiple()
        watchdog = CollectiveWatchdog(timeout: collectiveTimeout) { message in
            let text =
                "fovea: \(label): MPI \(message); aborting the job (raise --collective-timeout if a step "
                + "or a checkpoint takes that long)"
            // Without MPI_THREAD_MULTIPLE, MPI may not be called here while the main thread waits in a collective.
            MPIReplicas.abortJob(text, callingMPI: mayAbortFromAnotherThread)
        }
    }

    /// Five minutes: longer than any step, validation pass or checkpoint save should keep the other ranks waiting.
    public static let defaultCollectiveTimeout = 300.0

    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer) throws {
        let count = try Self.count(bytes.count)
        try watchdog.guarding("MPI_Bcast") {
            try Self.check(MPI_Bcast(bytes.baseAddress, count, fovea_mpi_byte(), 0, world), "MPI_Bcast")
        }
    }

    public func sum(_ values: UnsafeMutableBufferPointer<Double>) throws {
        let count = try Self.count(values.count)
        try watchdog.guarding("MPI_Allreduce") {
            try Self.check(
                MPI_Allreduce(fovea_mpi_in_place(), values.baseAddress, count, fovea_mpi_double(), fovea_mpi_sum(), world),
                "MPI_Allreduce")
        }
    }

    public func startSum(_ values: UnsafeMutableBufferPointer<Float>) throws -> PendingSum {
        let count = try Self.count(values.count)
        var request: MPI_Request? = nil
        try Self.check(
            MPI_Iallreduce(fovea_mpi_in_place(), values.baseAddress, count, fovea_mpi_float(), fovea_mpi_sum(), world, &request),
            "MPI_Iallreduce")
        let pending = MPIPendingSum(request: request, watchdog: watchdog)
        inFlight.append(pending)
        return pending
    }

    /// Tests each sum under way once (`MPI_Test`): Open MPI advances non-blocking collectives only inside MPI calls.
    public func progress() throws {
        for pending in inFlight { try pending.test() }
        inFlight.removeAll { $0.isComplete }
    }

    /// Waits until every rank gets here.
    public func barrier() throws {
        try watchdog.guarding("MPI_Barrier") { try Self.check(MPI_Barrier(world), "MPI_Barrier") }
    }

    /// Waits for every rank, then shuts MPI down; the process should exit soon after.
    public func finish() throws {
        try barrier()
        try Self.check(MPI_Finalize(), "MPI_Finalize")
    }

    /// Prints `message` on stderr and ends every rank of the job (`MPI_Abort`, exit status 1).
    public func abort(_ message: String) -> Never {
        Self.abortJob(message)
    }

    /// Prints `message` and ends the job: with `MPI_Abort`, or by ending this process (which makes `mpirun` end the
    /// others) where this thread may not call MPI.
    private static func abortJob(_ message: String, callingMPI: Bool = true) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        guard callingMPI else { _exit(1) }
        MPI_Abort(fovea_mpi_comm_world(), 1)
        exit(1)
    }

    /// `count` as MPI's Int32 count, or an error for a buffer too large for one call.
    static func count(_ count: Int) throws -> Int32 {
        guard let value = Int32(exactly: count) else {
            throw FoveaError.invalidArgument("MPI: \(count) elements are too many for one call (at most \(Int32.max))")
        }
        return value
    }

    static func check(_ code: Int32, _ call: String) throws {
        guard code != fovea_mpi_success() else { return }
        var text = [CChar](repeating: 0, count: Int(fovea_mpi_max_error_string()) + 1)
        var length: Int32 = 0
        MPI_Error_string(code, &text, &length)
        throw FoveaError.invalidArgument("\(call) failed: \(String(cString: text))")
    }
}

/// One `MPI_Iallreduce` under way.
final class MPIPendingSum: PendingSum {
    private var request: MPI_Request?
    private let watchdog: CollectiveWatchdog
    private(set) var isComplete = false

    init(request: MPI_Request?, watchdog: CollectiveWatchdog) {
        self.request = request
        self.watchdog = watchdog
    }

    func test() throws {
        guard !isComplete else { return }
        var flag: Int32 = 0
        try MPIReplicas.check(MPI_Test(&request, &flag, fovea_mpi_status_ignore()), "MPI_Test")
        isComplete = flag != 0
    }

    func wait() throws {
        guard !isComplete else { return }
        try watchdog.guarding("MPI_Wait (a gradient sum)") {
            try MPIReplicas.check(MPI_Wait(&request, fovea_mpi_status_ignore()), "MPI_Wait")
        }
        isComplete = true
    }
}
