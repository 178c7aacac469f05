import Foundation

/// Averages one step's gradients over the replicas: the trainable parameters, taken in reverse order (about the order
/// in which backward completes their gradients), are packed into flat host buckets of about `bucketBytes`, each summed
/// over the replicas with one call. With `overlaps`, a bucket's sum starts the moment its last gradient is ready
/// during backward, while the earlier layers are still being differentiated (PyTorch DDP's buckets). Sums start in
/// bucket order on every replica, whatever order backward completes the buckets in: collectives must be issued in
/// the same order everywhere (a bucket completed early waits for the ones before it, as DDP's do).
///
/// Each replica weighs its gradient by its share of the global batch (its samples / the batch's), so the sum is the
/// gradient of the mean loss over the whole batch however unevenly it was split. A parameter that got no gradient
/// (a replica with no samples, a branch the batch did not reach) counts as zero and receives the sum like the others.
public final class GradientBuckets {
    /// About 25 MB, PyTorch DDP's default bucket size.
    public static let defaultBucketBytes = 25 << 20

    /// The parameters summed, in bucket order.
    public let parameters: [Parameter]
    /// Their sizes when the buckets were laid out.
    private let counts: [Int]
    /// Start each bucket's sum during backward (true) or all of them after it.
    public var overlaps = true
    /// Seconds the last `finish()` waited for sums still under way: the communication backward did not hide.
    public private(set) var lastWaitSeconds = 0.0

    private let replicas: ReplicaGroup
    private var buckets: [Bucket] = []
    /// Where each parameter lies: its bucket and its first element there.
    private var slots: [(bucket: Int, offset: Int)] = []
    /// The parameter index of each value tensor, as mapped by `begin`.
    private var indexOfTensor: [ObjectIdentifier: Int] = [:]
    private var isReady: [Bool] = []
    private var weight: Float = 1
    /// The first bucket whose sum has not started.
    private var nextBucket = 0

    private final class Bucket {
        let values: UnsafeMutableBufferPointer<Float>
        var members: [Int] = []
        var readyCount = 0
        var pending: PendingSum?
        init(count: Int) { values = .allocate(capacity: count) }
        deinit { values.deallocate() }
    }

    /// Buckets for `parameters` (those that get gradients, in the model's order), of at most `bucketBytes` each unless
    /// one parameter is larger.
    public init(_ parameters: [Parameter], replicas: ReplicaGroup, bucketBytes: Int = defaultBucketBytes) throws {
        guard bucketBytes > 0 else {
            throw FoveaError.invalidArgument("GradientBuckets: bucket size \(bucketBytes) bytes must be positive")
        }
        self.parameters = parameters.reversed()
        counts = self.parameters.map(\.value.count)
        self.replicas = replicas
        var sizes: [Int] = [], members: [[Int]] = []
        for (index, count) in counts.enumerated() {
            if sizes.isEmpty || (sizes[sizes.count - 1] + count) * 4 > bucketBytes && sizes[sizes.count - 1] > 0 {
                sizes.append(0)
                members.append([])
            }
            slots.append((sizes.count - 1, sizes[sizes.count - 1]))
            sizes[sizes.count - 1] += count
            members[members.count - 1].append(index)
        }
        buckets = zip(sizes, members).map { size, members in
            let bucket = Bucket(count: size)
            bucket.members = members
            return bucket
        }
        isReady = Array(repeating: false, count: self.parameters.count)
    }

    /// How many buckets there are, and their sizes in bytes.
    public var bucketSizes: [Int] { buckets.map { $0.values.count * 4 } }

    /// Whether these buckets hold exactly `parameters` at their present sizes (the trainable set changes when a
    /// backbone is unfrozen, a lazy layer's sizes at its first call).
    public func holds(_ parameters: [Parameter]) -> Bool {
        parameters.count == self.parameters.count
            && zip(zip(parameters.reversed(), self.parameters), counts).allSatisfy { $0.0 === $0.1 && $0.0.value.count == $1 }
    }

    /// Starts a step in which this replica's gradients weigh `weight` (its samples / the global batch's).
    public func begin(weight: Float) {
        self.weight = weight
        indexOfTensor = Dictionary(uniqueKeysWithValues: parameters.enumerated().map { (ObjectIdentifier($1.value), $0) })
        isReady = Array(repeating: false, count: parameters.count)
        for bucket in buckets { bucket.readyCount = 0; bucket.pending = nil }
        nextBucket = 0
    }

    /// Takes `tensor`'s completed gradient when it is one of the parameters' values (give it to `Tensor.backward`'s
    /// `onGradientReady`), and starts the sums of the buckets it completes, in bucket order.
    public func gradientReady(_ tensor: Tensor) throws {
        guard let index = indexOfTensor[ObjectIdentifier(tensor)], !isReady[index] else { return }
        try store(index)
        while overlaps, nextBucket < buckets.count, buckets[nextBucket].readyCount == buckets[nextBucket].members.count {
            try startNextBucket()
        }
        try replicas.progress()
    }

    /// Completes the step: gradients not seen yet count (zeros when there is none), every sum is waited for, and each
    /// parameter's `.grad` becomes the weighted sum over the replicas, on the parameter's device.
    public func finish() throws {
        for index in parameters.indices where !isReady[index] { try store(index) }
        while nextBucket < buckets.count { try startNextBucket() }
        let start = Date()
        for bucket in buckets { try bucket.pending?.wait() }
        lastWaitSeconds = Date().timeIntervalSince(start)
        for (index, parameter) in parameters.enumerated() {
            let slot = slots[index], count = parameter.value.count
            let values = UnsafeBufferPointer(rebasing: buckets[slot.bucket].values[slot.offset..<slot.offset + count])
            let gradient = try Tensor.empty(parameter.shape, device: parameter.device)
            try gradient.backend.upload(values, into: gradient.writableStorage(op: "allreduce"), offset: 0)
            parameter.value.grad = gradient
        }
    }

    /// Copies parameter `index`'s gradient, times the weight, into its bucket (zeros when it has none).
    private func store(_ index: Int) throws {
        let slot = slots[index], parameter = parameters[index], count = parameter.value.count
        let destination = UnsafeMutableBufferPointer(rebasing: buckets[slot.bucket].values[slot.offset..<slot.offset + count])
        if let gradient = parameter.value.grad {
            try gradient.backend.download(
                gradient.storage, offset: 0, count: count, into: UnsafeMutableRawBufferPointer(destination))
            if weight != 1 { for i in 0..<count { destination[i] *= weight } }
        } else {
            destination.update(repeating: 0)
        }
        isReady[index] = true
        buckets[slot.bucket].readyCount += 1
    }

    private func startNextBucket() throws {
        buckets[nextBucket].pending = try replicas.startSum(buckets[nextBucket].values)
        nextBucket += 1
    }
}
