import Foundation
import FoveaTestSupport

/// Runs `fovea` (the built binary) under Open MPI's `mpirun` for the data-parallel tests, which skip, saying why,
/// when `mpirun` is not installed (Scripts/install-deps.sh installs it, so CI runs them).
struct MPIJob {
    /// `mpirun` on the PATH, or nil.
    static let mpirun: URL? = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        .map { URL(fileURLWithPath: String($0)).appendingPathComponent("mpirun") }
        .first { FileManager.default.isExecutableFile(atPath: $0.path) }

    static var isAvailable: Bool {
        if mpirun == nil { print("skipping the MPI tests: mpirun is not installed (Scripts/install-deps.sh installs Open MPI)") }
        return mpirun != nil
    }

    /// The `fovea` binary built next to the test bundle.
    static let fovea: URL = {
        let besideTests = Bundle.main.executableURL?.deletingLastPathComponent().appendingPathComponent("fovea")
        return besideTests.flatMap { FileManager.default.isExecutableFile(atPath: $0.path) ? $0 : nil }
            ?? repositoryRoot.appendingPathComponent(".build/debug/fovea")
    }()

    let process = Process()
    private let output = Pipe()
    private var collected = Data()

    /// Starts `mpirun -n ranks fovea ARGUMENTS` (as root too, more ranks than cores allowed); `programs` gives each group
    /// of ranks its own arguments (mpirun's `-n 1 A : -n 1 B`) instead.
    init(ranks: Int, _ arguments: [String], programs: [[String]]? = nil) throws {
        let groups = programs ?? [arguments]
        let perGroup = programs == nil ? ranks : 1
        process.executableURL = Self.mpirun
        process.arguments =
            ["--allow-run-as-root", "--oversubscribe"]
            + groups.enumerated().flatMap { index, group in
                (index > 0 ? [":"] : []) + ["-n", String(perGroup), Self.fovea.path] + group
            }
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    /// Starts `fovea ARGUMENTS` alone, without mpirun, to be waited for as a job.
    init(alone arguments: [String]) throws {
        process.executableURL = Self.fovea
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    /// Runs a job to its end: its exit status and everything its ranks printed.
    static func run(ranks: Int, _ arguments: [String], programs: [[String]]? = nil) throws -> (status: Int32, output: String) {
        let job = try MPIJob(ranks: ranks, arguments, programs: programs)
        return try job.wait(timeout: 300)
    }

    /// Waits for the job to end, at most `timeout` seconds (then it is killed and this throws).
    func wait(timeout: Double) throws -> (status: Int32, output: String) {
        let reader = output.fileHandleForReading
        let data = LockedData()
        let thread = Thread { data.set(reader.readDataToEndOfFile()) }
        thread.start()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate()
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "mpirun ran past \(timeout) s"])
        }
        process.waitUntilExit()
        while data.value == nil { Thread.sleep(forTimeInterval: 0.01) }
        return (process.terminationStatus, String(decoding: data.value!, as: UTF8.self))
    }

    /// The process id of MPI rank `rank` among mpirun's children (read from their `OMPI_COMM_WORLD_RANK`).
    func pid(ofRank rank: Int) throws -> Int32? {
        let children = try String(
            contentsOfFile: "/proc/\(process.processIdentifier)/task/\(process.processIdentifier)/children", encoding: .utf8)
        return children.split(separator: " ").compactMap { Int32($0) }.first { child in
            let environment = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(child)/environ"))) ?? Data()
            return environment.split(separator: 0).contains {
                String(decoding: $0, as: UTF8.self) == "OMPI_COMM_WORLD_RANK=\(rank)"
            }
        }
    }
}

/// Data handed from the reading thread.
private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    var value: Data? { lock.lock(); defer { lock.unlock() }; return data }
    func set(_ new: Data) { lock.lock(); data = new; lock.unlock() }
}
