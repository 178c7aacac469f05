import Foundation
import Fovea
import FoveaMPI

/// `--suite allreduce`, run under `mpirun -n N`: what data-parallel training pays for communication. The latency of
/// a one-value sum; the time, algorithm bandwidth (bytes / time) and bus bandwidth (2(N-1)/N x bytes / time, what a
/// ring moves per link) of summing each zoo model's gradients in the trainer's 25 MB buckets; and per training step
/// (the CPU backend, `--batch`'s first size per rank), the step alone, with the sums after backward, and with each
/// bucket's sum started during backward, with the time the step then still waits for them (the exposed part).
///
/// Every rank makes the same calls the same number of times (collectives must match), so the counts are fixed rather
/// than timed; rank 0 prints its own timings.
enum AllreduceSuite {
    static let models: [(name: String, inputShape: Shape)] = [
        ("lenet5", [1, 28, 28]), ("cnn-cifar", [3, 32, 32]), ("resnet18", [3, 32, 32]),
    ]
    static let modelNames = models.map(\.name)

    static func run(_ options: Options) throws {
        let replicas = try MPIReplicas()
        let leader = replicas.rank == 0
        func say(_ text: String) { if leader { print(text) } }
        let selected = models.filter { options.models.contains($0.name) }
        let batch = options.batches[0], runs = options.timer.minimumRuns, bucketBytes = options.bucketBytes
        say(
            "allreduce suite: \(replicas.size) MPI ranks, \(ProcessInfo.processInfo.activeProcessorCount) cores on rank 0's machine, "
                + "buckets of \(bucketBytes >> 20) MB, batch \(batch) per rank, \(runs) timed steps per mode")

        let latency = try time(replicas, iterations: 2000) { try sum(replicas, count: 1, bucketBytes: bucketBytes) }
        say(
            String(
                format: "\nlatency of a 1-value sum: median %.1f us (min %.1f, max %.1f)", latency.median * 1e6,
                latency.min * 1e6, latency.max * 1e6))

        say(
            "\n| gradients of | parameters | MB | buckets | sum ms (median [min..max]) | algorithm GB/s | bus GB/s |\n|---|---|---|---|---|---|---|"
        )
        var modules: [String: any UnaryLayer] = [:]
        for model in selected {
            manualSeed(1)
            let module = try Models.make(model.name, inputShape: model.inputShape, classes: 10)
            modules[model.name] = module
            let count = module.parameterCount, bytes = Double(count * 4)
            let iterations = max(5, min(200, Int(2e8 / bytes)))
            let measured = try time(replicas, iterations: iterations) {
                try sum(replicas, count: count, bucketBytes: bucketBytes)
            }
            let ring = 2 * Double(replicas.size - 1) / Double(replicas.size)
            say(
                String(
                    format: "| %@ | %d | %.2f | %d | %.3f [%.3f..%.3f] | %.2f | %.2f |", model.name, count, bytes / 1e6,
                    (count * 4 + bucketBytes - 1) / bucketBytes, measured.median * 1e3, measured.min * 1e3, measured.max * 1e3,
                    bytes / measured.median / 1e9, ring * bytes / measured.median / 1e9))
        }

        say(
            "\n| step of | alone ms | sums after backward ms (waited) | sums during backward ms (waited) | hidden |\n|---|---|---|---|---|"
        )
        for model in selected {
            let step = try ReplicaStep(
                modules[model.name]!, inputShape: model.inputShape, batch: batch, replicas: replicas, bucketBytes: bucketBytes)
            let alone = try time(replicas, iterations: runs) { try step.run(overlapping: nil) }
            var waits: [Double] = []
            let after = try time(replicas, iterations: runs) {
                try step.run(overlapping: false); waits.append(step.buckets.lastWaitSeconds)
            }
            let afterWait = Measurement(samples: Array(waits.suffix(runs)), callsPerSample: 1).median
            waits = []
            let during = try time(replicas, iterations: runs) {
                try step.run(overlapping: true); waits.append(step.buckets.lastWaitSeconds)
            }
            let duringWait = Measurement(samples: Array(waits.suffix(runs)), callsPerSample: 1).median
            // The share of the wait that starting the sums during backward removed; below a millisecond it is noise.
            let hidden = afterWait < 1e-3 ? "- (waits under 1 ms)" : String(format: "%.0f%%", 100 * (1 - duringWait / afterWait))
            say(
                String(
                    format: "| %@ b%d | %.1f | %.1f (%.1f) | %.1f (%.1f) | %@ |", model.name, batch, alone.median * 1e3,
                    after.median * 1e3, afterWait * 1e3, during.median * 1e3, duringWait * 1e3, hidden))
        }
        try replicas.finish()
    }

    /// `iterations` timed calls after a barrier and one untimed call.
    static func time(_ replicas: MPIReplicas, iterations: Int, _ body: () throws -> Void) throws -> Measurement {
        try body()
        try replicas.barrier()
        let samples = try (0..<iterations).map { _ in try Timer.seconds(body) }
        return Measurement(samples: samples, callsPerSample: 1)
    }

    /// Sums `count` floats over the ranks in buckets of `bucketBytes`, all started before the first is waited for.
    static func sum(_ replicas: MPIReplicas, count: Int, bucketBytes: Int) throws {
        let buffer = scratch(count)
        let perBucket = bucketBytes / 4
        let pending = try stride(from: 0, to: count, by: perBucket).map {
            try replicas.startSum(UnsafeMutableBufferPointer(rebasing: buffer[$0..<min(count, $0 + perBucket)]))
        }
        for sum in pending { try sum.wait() }
    }

    nonisolated(unsafe) private static var buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: 0)

    /// A zeroed buffer of at least `count` floats, reused.
    static func scratch(_ count: Int) -> UnsafeMutableBufferPointer<Float> {
        if buffer.count < count {
            buffer.deallocate()
            buffer = .allocate(capacity: count)
            buffer.initialize(repeating: 0)
        }
        return buffer
    }
}

/// One replica's training step on a fixed random batch: forward, cross-entropy, backward, the gradient sums (none, after
/// backward, or started during it) and Adam's update.
final class ReplicaStep {
    let model: any UnaryLayer
    let optimizer: Adam
    let inputs: Tensor
    let labels: Tensor
    let buckets: GradientBuckets

    init(_ model: any UnaryLayer, inputShape: Shape, batch: Int, replicas: ReplicaGroup, bucketBytes: Int) throws {
        self.model = model
        model.train()
        optimizer = Adam(model.parameters, learningRate: 1e-3)
        inputs = try Tensor.uniform(Shape([batch] + inputShape.dims), low: -1, high: 1)
        labels = try Tensor(int32: (0..<batch).map { Int32($0 % 10) }, shape: [batch])
        buckets = try GradientBuckets(model.parameters, replicas: replicas, bucketBytes: bucketBytes)
    }

    /// `overlaps`: nil for no sums, else `GradientBuckets.overlaps`.
    func run(overlapping overlaps: Bool?) throws {
        optimizer.zeroGrad()
        let loss = try CrossEntropyLoss()(model(inputs), labels)
        if let overlaps {
            buckets.overlaps = overlaps
            buckets.begin(weight: 1)
            try loss.backward(onGradientReady: { try self.buckets.gradientReady($0) })
            try buckets.finish()
        } else {
            try loss.backward()
        }
        try optimizer.step()
    }
}
