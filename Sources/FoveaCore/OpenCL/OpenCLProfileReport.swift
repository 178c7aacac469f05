import Foundation

/// Device time per kernel over a profiled stretch (see `OpenCLContext.startProfiling`), with host-side times.
public struct OpenCLProfile: CustomStringConvertible {
    public var device: String
    /// Total device seconds and launches per kernel name, longest first. CLBlast GEMMs appear as `CLBlast sgemm MxNxK ..`.
    public var kernels: [(kernel: String, seconds: Double, launches: Int)]
    /// Wall-clock seconds from `startProfiling` to the end of the final wait.
    public var wallSeconds: Double
    /// Host CPU seconds (of the enqueuing thread, so not inflated by preemption) spent setting arguments and enqueuing
    /// (kernels and GEMM calls).
    public var enqueueSeconds: Double

    public var deviceSeconds: Double { kernels.reduce(0) { $0 + $1.seconds } }
    public var launches: Int { kernels.reduce(0) { $0 + $1.launches } }

    /// A table: a summary line, then one line per kernel, longest total first.
    public var description: String {
        let busy = deviceSeconds
        var lines = [
            "OpenCL profile (\(device)): wall \(Self.fixed(wallSeconds, 3)) s, device busy \(Self.fixed(busy, 3)) s, "
                + "\(launches) launches, host enqueue (CPU) \(Self.fixed(enqueueSeconds, 3)) s "
                + "(\(Self.fixed(enqueueSeconds / Double(max(launches, 1)) * 1e6, 1)) us/launch)",
            Self.pad("kernel", 46) + Self.pad("total ms", 11, left: true) + Self.pad("%", 7, left: true)
                + Self.pad("launches", 10, left: true) + Self.pad("us/launch", 11, left: true),
        ]
        for row in kernels {
            lines.append(
                Self.pad(row.kernel, 46) + Self.pad(Self.fixed(row.seconds * 1e3, 1), 11, left: true)
                    + Self.pad(Self.fixed(row.seconds / max(busy, 1e-12) * 100, 1), 7, left: true)
                    + Self.pad(String(row.launches), 10, left: true)
                    + Self.pad(Self.fixed(row.seconds / Double(max(row.launches, 1)) * 1e6, 1), 11, left: true))
        }
        return lines.joined(separator: "\n")
    }

    private static func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

    private static func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return left ? padding + text : text + padding
    }
}

/// `FOVEA_PROFILE=1`: every OpenCL context profiles from its creation, and at process exit its `OpenCLProfile`
/// table is written to standard error.
enum OpenCLProfileReport {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var contexts: [OpenCLContext] = []

    /// Monotonic seconds.
    static func now() -> Double { seconds(CLOCK_MONOTONIC) }

    /// CPU seconds the calling thread has used: host costs measured so do not grow when other work preempts the thread.
    static func threadCPUNow() -> Double { seconds(CLOCK_THREAD_CPUTIME_ID) }

    private static func seconds(_ clock: clockid_t) -> Double {
        var time = timespec()
        clock_gettime(clock, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    /// Starts profiling `context` and prints its table at exit.
    static func register(_ context: OpenCLContext) {
        context.startProfiling()
        lock.lock(); defer { lock.unlock() }
        if contexts.isEmpty { atexit { OpenCLProfileReport.printAll() } }
        contexts.append(context)
    }

    private static func printAll() {
        lock.lock(); defer { lock.unlock() }
        for context in contexts {
            guard let profile = try? context.stopProfilingReport() else { continue }
            FileHandle.standardError.write(Data((profile.description + "\n").utf8))
        }
    }
}
