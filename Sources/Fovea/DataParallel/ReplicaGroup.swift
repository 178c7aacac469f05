import Foundation

/// Replicas of one model that train together, each on its share of every batch (data parallelism, as PyTorch's
/// DistributedDataParallel): the collective operations `Trainer` needs from them. `MPIReplicas` (FoveaMPI) is one,
/// across processes and machines.
///
/// Every replica must make the same calls in the same order; the values are Float32 or Float64 arrays on the host.
public protocol ReplicaGroup: AnyObject {
    /// This replica's number, in 0 ..< size. Replica 0 leads: its initial weights win, and it alone writes the run's files.
    var rank: Int { get }
    /// How many replicas there are.
    var size: Int { get }
    /// Replaces the bytes of every replica by replica 0's.
    func broadcast(_ bytes: UnsafeMutableRawBufferPointer) throws
    /// Sums `values` element-wise over the replicas, in place, and returns when the sums are there.
    func sum(_ values: UnsafeMutableBufferPointer<Double>) throws
    /// Starts summing `values` element-wise over the replicas, in place; they hold the sums once the result's `wait()`
    /// returns, and must not be touched until then.
    func startSum(_ values: UnsafeMutableBufferPointer<Float>) throws -> PendingSum
    /// Lets the sums started progress (a transport that needs the caller's thread for that, as MPI does, uses it);
    /// returns at once.
    func progress() throws
}

/// A sum over replicas under way.
public protocol PendingSum: AnyObject {
    /// Returns when the sum is complete.
    func wait() throws
}

extension ReplicaGroup {
    /// The element-wise sums of `values` over the replicas.
    public func sum(_ values: [Double]) throws -> [Double] {
        var sums = values
        try sums.withUnsafeMutableBufferPointer { try sum($0) }
        return sums
    }

    /// Whether `condition` holds on any replica (a stop requested on one stops all at the same step).
    public func any(_ condition: Bool) throws -> Bool {
        try sum([condition ? 1 : 0])[0] > 0
    }

    /// Makes every tensor on every replica equal replica 0's, in place (the tensors' identities and devices stay), with
    /// one broadcast of all their bytes packed together. Only a tensor whose values differ is written, so a replica
    /// that already holds replica 0's values keeps its autograd graph valid (a write would refuse its backward).
    public func broadcast(_ tensors: [Tensor]) throws {
        let sizes = tensors.map { $0.count * $0.dtype.byteSize }
        let ends = sizes.reduce(into: [Int]()) { ends, size in ends.append((ends.last ?? 0) + size) }
        let ranges = zip(sizes, ends).map { size, end in end - size..<end }
        guard let total = ends.last, total > 0 else { return }
        var held = [UInt8](repeating: 0, count: total)
        try held.withUnsafeMutableBytes { buffer in
            for (tensor, range) in zip(tensors, ranges) where !range.isEmpty {
                try tensor.backend.download(
                    tensor.storage, offset: 0, count: tensor.count, into: UnsafeMutableRawBufferPointer(rebasing: buffer[range]))
            }
        }
        var bytes = held
        try bytes.withUnsafeMutableBytes { try broadcast($0) }
        for (tensor, range) in zip(tensors, ranges) where bytes[range] != held[range] {
            try bytes[range].withUnsafeBytes {
                try tensor.backend.upload(bytes: $0, into: tensor.writableStorage(op: "broadcast"), offset: 0)
            }
        }
    }
}
