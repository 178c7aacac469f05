import FoveaCore

/// Where one benchmark's time goes (`--profile`).
struct Profile: Codable {
    struct KernelTime: Codable {
        let kernel: String
        /// Device seconds per benchmark call.
        let seconds: Double
        /// Launches per benchmark call.
        let launches: Double
    }

    struct StepTime: Codable {
        let step: String
        /// Median wall seconds of the step alone (device synchronized).
        let seconds: Double
    }

    /// OpenCL only: Fovea's own kernels by device time from event profiling (CLBlast's GEMM kernels are enqueued by
    /// CLBlast and have no event here, so they show up only in `steps` and in the gap to the wall time).
    var kernels: [KernelTime] = []
    /// OpenCL only: host seconds per benchmark call spent setting arguments and enqueuing (kernels and GEMM calls).
    var enqueueSeconds: Double?
    /// The op's public primitives timed one by one (conv: im2col, gemm, scatter...), or the op itself when it is one.
    var steps: [StepTime] = []
}

/// Collects a `Profile` for a prepared benchmark.
struct Profiler {
    let timer: Timer
    func profile(_ prepared: Prepared, name: String, on target: Target) throws -> Profile {
        var profile = Profile()
        if case .backend(let backend) = target, let openCL = backend as? OpenCLBackend {
            try openCL.synchronize()
            openCL.context.startProfiling()
            let calls = max(1, prepared.profiledCalls)
            for _ in 0..<calls { try prepared.body() }
            let report = try openCL.context.stopProfilingReport()
            profile.kernels = report.kernels.map {
                Profile.KernelTime(
                    kernel: $0.kernel, seconds: $0.seconds / Double(calls), launches: Double($0.launches) / Double(calls))
            }
            profile.enqueueSeconds = report.enqueueSeconds / Double(calls)
        }
        let steps = try prepared.steps()
        let timed = steps.isEmpty ? [Step(name: name, run: prepared.body)] : steps
        profile.steps = try timed.map { step in
            Profile.StepTime(step: step.name, seconds: try timer.measure(synchronize: target.synchronize, step.run).median)
        }
        return profile
    }
}
