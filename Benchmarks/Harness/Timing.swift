import Foundation

/// The timed samples of one benchmark, in seconds per call, with their order statistics.
struct Measurement: Codable, Sendable {
    /// Seconds per call of each timed sample (a sample may average several calls, see `Timer`).
    let samples: [Double]
    /// Calls averaged into each sample.
    let callsPerSample: Int
    let median: Double
    let min: Double
    let max: Double
    /// First and third quartiles.
    let q1: Double
    let q3: Double
    /// Process CPU seconds (user + system, every thread: the OpenCL driver's too) per call over all samples. On a
    /// machine shared with other work this moves far less than wall time, which includes time spent preempted.
    var cpuSecondsPerCall: Double?

    init(samples: [Double], callsPerSample: Int, cpuSecondsPerCall: Double? = nil) {
        self.cpuSecondsPerCall = cpuSecondsPerCall
        precondition(!samples.isEmpty, "Measurement needs at least one sample")
        let sorted = samples.sorted()
        self.samples = samples
        self.callsPerSample = callsPerSample
        median = Self.quantile(sorted, 0.5)
        q1 = Self.quantile(sorted, 0.25)
        q3 = Self.quantile(sorted, 0.75)
        min = sorted.first!
        max = sorted.last!
    }

    /// The interquartile range relative to the median (0.05 = the middle half of the samples lies within 5%).
    var relativeSpread: Double { median > 0 ? (q3 - q1) / median : 0 }

    /// `amount` (flops, bytes, ...) per second at the median, e.g. `rate(2 * n * n * n) / 1e9` for GFLOP/s.
    func rate(_ amount: Double) -> Double { median > 0 ? amount / median : 0 }

    /// Linear interpolation between closest ranks of sorted values.
    private static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down)), upper = Int(position.rounded(.up))
        let fraction = position - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }
}

/// Times a piece of work: warm-up calls, then repeated timed samples, stopping the clock only after the device is idle.
///
/// ```swift
/// let timer = Timer(warmupRuns: 2, minimumRuns: 5, maximumRuns: 50, timeBudget: 2)
/// let m = try timer.measure(synchronize: backend.synchronize) { try backend.gemm(d, a: a, b: b, c: c) }
/// print(m.median, m.rate(flops) / 1e9)
/// ```
struct Timer: Sendable {
    /// Untimed calls first (kernel compilation, caches, thread pools, buffer pool).
    var warmupRuns = 2
    /// Timed samples taken even when they exceed `timeBudget`.
    var minimumRuns = 5
    /// At most this many timed samples.
    var maximumRuns = 50
    /// Seconds of timed samples after which no new sample starts (once `minimumRuns` are in).
    var timeBudget = 2.0
    /// A sample shorter than this repeats the call several times and averages, so timer resolution and the
    /// synchronization cost do not dominate tiny ops.
    var minimumSampleSeconds = 0.002
    /// What a sample measures.
    var clock = Clock.wall

    enum Clock: String, Sendable, CaseIterable {
        /// Elapsed time (monotonic clock): what a user waits for.
        case wall
        /// CPU time of the whole process, all threads summed: steadier than the wall clock on a machine shared with
        /// other work (time spent waiting for a core is not counted), but twice the wall time of a call that keeps
        /// two cores busy, and blind to idle cores and to device time.
        case cpu
    }

    /// Runs `body` `warmupRuns` times, then times samples of it; `synchronize` runs before each clock stop
    /// (pass `backend.synchronize` on OpenCL, where calls only enqueue work).
    func measure(synchronize: () throws -> Void = {}, _ body: () throws -> Void) throws -> Measurement {
        for _ in 0..<warmupRuns { try body() }
        try synchronize()
        let single = try seconds {
            try body(); try synchronize()
        }
        let calls =
            single >= minimumSampleSeconds
            ? 1 : Swift.min(10_000, Int((minimumSampleSeconds / Swift.max(single, 1e-9)).rounded(.up)))
        var samples: [Double] = []
        var spent = 0.0
        let cpuStart = Self.processCPUSeconds()
        while samples.count < maximumRuns && (samples.count < minimumRuns || spent < timeBudget) {
            let elapsed = try seconds {
                for _ in 0..<calls { try body() }
                try synchronize()
            }
            samples.append(elapsed / Double(calls))
            spent += elapsed
        }
        let cpu = (Self.processCPUSeconds() - cpuStart) / Double(samples.count * calls)
        return Measurement(samples: samples, callsPerSample: calls, cpuSecondsPerCall: cpu)
    }

    /// CPU seconds (user + system) this process has used so far, over all its threads.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// Seconds of one run of `body` on `clock`.
    func seconds(_ body: () throws -> Void) rethrows -> Double {
        guard clock == .cpu else { return try Self.seconds(body) }
        func now() -> Double {
            var time = timespec()
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
            return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
        }
        let start = now()
        try body()
        return now() - start
    }

    /// Wall-clock seconds of one run of `body` (monotonic clock).
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    }
}
