import FoveaCore

/// Runs benchmark cases on targets: prepares inputs, times the call, reads the peak memory, profiles on request.
struct Runner {
    let timer: Timer
    /// Collects a `Profile` per result when set.
    let profiler: Profiler?
    /// Called with each result as soon as it is measured (progress output).
    let onResult: (BenchmarkResult) -> Void

    /// Every case on every target it applies to, case by case so the targets' results sit side by side.
    func run(_ cases: [BenchmarkCase], on targets: [Target]) -> (results: [BenchmarkResult], failures: [String]) {
        var results: [BenchmarkResult] = [], failures: [String] = []
        for benchmark in cases {
            for target in targets {
                do {
                    guard let result = try run(benchmark, on: target) else { continue }
                    results.append(result)
                    onResult(result)
                } catch {
                    failures.append("\(benchmark.name) on \(target.label): \(error)")
                }
            }
        }
        return (results, failures)
    }

    /// One case on one target; nil when it does not apply there.
    func run(_ benchmark: BenchmarkCase, on target: Target) throws -> BenchmarkResult? {
        let memory = target.storageBackend
        try memory.synchronize()
        let before = memory.memoryUsage
        guard let prepared = try benchmark.prepare(target) else { return nil }
        let measurement = try timer.measure(synchronize: target.synchronize, prepared.body)
        let after = memory.memoryUsage
        var result = BenchmarkResult(
            suite: benchmark.suite, name: benchmark.name, backend: target.label, measurement: measurement,
            work: benchmark.work, rate: benchmark.work.rate(measurement), unit: benchmark.work.unit,
            peakBytes: after.peakBytes - before.currentBytes, peakExact: after.peakBytes > before.peakBytes)
        result.hostSyncs = try prepared.hostSyncs?()
        // Profiling allocates scratch of its own, so it runs after the peak is read.
        result.profile = try profiler?.profile(prepared, name: benchmark.name, on: target)
        return result
    }
}
