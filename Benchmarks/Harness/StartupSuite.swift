import Foundation
import FoveaCore

/// OpenCL cold start vs warm start: a child process times its first use of every kernel program,
/// once with empty caches, once with the caches the first run left, and once with Fovea's disk cache off.
/// The workload is a pass over every op family, or one training step of a zoo model (`--suite train`).
enum StartupSuite {
    /// What one child process measured.
    struct Timing: Codable {
        /// "cold" (empty cache directory), "warm" (the same directory again), "fovea-cache-off" (FOVEA_KERNEL_CACHE=0,
        /// the driver's own cache still warm).
        var mode = ""
        /// "ops" (one call of each op family) or the training step's benchmark name ("train lenet5 b64 adam").
        var workload = "ops"
        var device = ""
        /// Creating the context and queue.
        var contextSeconds = 0.0
        /// Allocating the workload's inputs (training: building the model, moving it to the device, the random batch).
        var setupSeconds = 0.0
        /// The workload's first run, including every program build or load (and CLBlast's GEMM compilation).
        var firstRunSeconds = 0.0
        /// The same workload again, all programs ready: the part of `firstRunSeconds` that is not startup.
        var secondRunSeconds = 0.0
        /// `OpenCLContext.programStatistics` after the first run.
        var compiled = 0
        var loadedFromDisk = 0
        /// Wall time of the whole child process, as the parent saw it.
        var processSeconds = 0.0
    }

    /// A training step for the child to time instead of the op pass.
    struct TrainingWorkload {
        let model: String
        let batch: Int
        let optimizer: String

        var name: String { TrainSuite.name(model, batch: batch, optimizer: optimizer) }
        var arguments: [String] { ["--startup-train", model, "--batch", String(batch), "--optimizer", optimizer] }
    }

    /// Runs the child processes for OpenCL device `index`: cold, warm and cache-off for the op pass;
    /// cold and warm for a training step.
    static func run(device index: Int, training: TrainingWorkload? = nil) throws -> [Timing] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-bench-startup-\(getpid())")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // XDG_CACHE_HOME moves both Fovea's program cache and PoCL's kernel cache into the empty directory.
        var modes: [(String, [String: String])] = [
            ("cold", ["XDG_CACHE_HOME": directory.path]),
            ("warm", ["XDG_CACHE_HOME": directory.path]),
        ]
        if training == nil { modes.append(("fovea-cache-off", ["XDG_CACHE_HOME": directory.path, "FOVEA_KERNEL_CACHE": "0"])) }
        return try modes.map { mode, environment in
            var timing = try runChild(device: index, arguments: training?.arguments ?? [], environment: environment)
            timing.mode = mode
            return timing
        }
    }

    private static func runChild(device index: Int, arguments: [String], environment: [String: String]) throws -> Timing {
        let process = Process()
        // Run through the dynamic loader when this process was (run-on-gpu.sh's fallback to the bundled glibc): then
        // /proc/self/exe is the loader, and the program is the loader's first argument.
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let throughLoader = executable.lastPathComponent.hasPrefix("ld-linux")
        process.executableURL = executable
        process.arguments =
            (throughLoader ? [CommandLine.arguments[0]] : []) + ["--startup-child", "--backend", "opencl:\(index)"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        var timing: Timing?
        let seconds = try Timer.seconds {
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            timing = try? JSONDecoder().decode(Timing.self, from: data)
        }
        guard process.terminationStatus == 0, var timing else {
            throw HarnessError("startup child for opencl:\(index) failed (status \(process.terminationStatus))")
        }
        timing.processSeconds = seconds
        return timing
    }

    /// The child's side: measures and prints one `Timing` as JSON.
    static func child(device index: Int, training: TrainingWorkload?) throws {
        var timing = Timing()
        var backend: OpenCLBackend!
        timing.contextSeconds = try Timer.seconds { backend = try OpenCLBackend.backend(forDevice: index) }
        timing.device = backend.context.info.name
        var run: () throws -> Void = {}
        timing.setupSeconds = try Timer.seconds {
            if let training {
                guard let shape = TrainSuite.inputShape(of: training.model) else {
                    throw HarnessError("unknown model '\(training.model)'")
                }
                let step = try TrainingStep(
                    model: training.model, inputShape: shape, batch: training.batch,
                    optimizer: training.optimizer, device: backend.device)
                try backend.synchronize()
                run = {
                    try step.run(); try backend.synchronize()
                }
            } else {
                let workload = try Workload(backend: backend)
                run = workload.run
            }
        }
        if let training { timing.workload = training.name }
        timing.firstRunSeconds = try Timer.seconds { try run() }
        (timing.compiled, timing.loadedFromDisk) = backend.context.programStatistics
        timing.secondRunSeconds = try Timer.seconds { try run() }
        FileHandle.standardOutput.write(try JSONEncoder().encode(timing))
    }

    /// A small pass over every kernel program a training step uses.
    private struct Workload {
        let backend: OpenCLBackend
        let x: Storage, weight: Storage, y: Storage, pooled: Storage, scratch: Storage
        let conv = ConvSuite.geometry(ConvShape.vgg[1], batch: 2)
        let pool = PoolingGeometry(planes: 64, height: 32, width: 32, kernel: 2, stride: 2, padding: 0, output: 16)

        init(backend: OpenCLBackend) throws {
            self.backend = backend
            x = try backend.allocate(2 * 32 * 32 * 32)
            weight = try backend.allocate(32 * 32 * 9)
            y = try backend.allocate(2 * 32 * 32 * 32)
            pooled = try backend.allocate(2 * 32 * 16 * 16)
            scratch = try backend.allocate(2 * 32 * 32 * 32)
        }

        func run() throws {
            let count = 2 * 32 * 32 * 32
            try backend.fill(x, offset: 0, count: count, value: 0.5)
            try backend.fill(weight, offset: 0, count: weight.count, value: 0.01)
            try backend.conv2d(x, weight: weight, bias: nil, geometry: conv, into: y)
            try backend.conv2dBackwardData(y, weight: weight, geometry: conv, into: scratch)
            try backend.unary(.relu, x: y, out: y, count: count, alpha: 0, beta: 0)
            try backend.pool2d(.max, y, geometry: pool, into: pooled)
            try backend.softmax(x: pooled, outer: 64, size: 256, inner: 1, out: scratch, log: false)
            try backend.reduce(.sum, x: scratch, outer: 1, size: 64 * 256, inner: 1, out: pooled)
            try backend.expand(x, offset: 0, strides: [32 * 1024, 1, 1024], into: scratch, shape: [2, 1024, 32])
            try backend.synchronize()
        }
    }
}

/// A harness failure with a message.
struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
