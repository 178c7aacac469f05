import Foundation
import FoveaCore

/// How a checkpoint's two files are published so that they always belong to the same step, whenever the process
/// is killed (ARCHITECTURE.md, decision 10).
///
/// Both files carry the same `checkpoint_id`. They are written in full under temporary names (`.NAME.TOKEN.part`);
/// then the optimizer file in place is kept as `NAME.optim.safetensors.prev` (a hard link), the new optimizer file is
/// renamed into place, and the model file is renamed last: that rename is the commit point. Killed before it, the
/// old model file is still there and `.prev` holds its optimizer state; after it, the new pair is complete.
/// `recover(directory:)` puts such a directory straight, and `optimizerFile(matching:)` finds the right partner.
enum CheckpointPair {
    /// Publishes the staged files: `staged.optimizer` (when any) as `optimizer`, then `staged.model` as `model`.
    static func publish(model: URL, stagedModel: URL, optimizer: URL?, stagedOptimizer: URL?) throws {
        if let optimizer, let stagedOptimizer {
            let previous = previousFile(for: optimizer)
            unlink(previous.path)
            if FileManager.default.fileExists(atPath: optimizer.path), link(optimizer.path, previous.path) != 0 {
                throw FoveaError.badFile(
                    path: previous.path, reason: "cannot keep the previous optimizer state: \(String(cString: strerror(errno)))")
            }
            try rename(stagedOptimizer, to: optimizer)
        }
        try rename(stagedModel, to: model)
        syncDirectory(model.deletingLastPathComponent())
        if let optimizer { unlink(previousFile(for: optimizer).path) }
    }

    /// The optimizer file that belongs to `model` (its `checkpoint_id`): `NAME.optim.safetensors`, or the `.prev` a
    /// save killed before its commit point left. Throws when neither matches: the files belong to different steps.
    static func optimizerFile(matching model: URL, metadata: [String: String]) throws -> (
        url: URL, tensors: [String: Tensor], metadata: [String: String]
    ) {
        let current = Checkpoint.optimizerFile(for: model)
        guard FileManager.default.fileExists(atPath: current.path) else {
            throw FoveaError.badFile(
                path: current.path,
                reason: "no such file: resuming needs the optimizer state saved beside \(model.lastPathComponent)")
        }
        let (tensors, found) = try Safetensors.read(from: current)
        guard let id = metadata["checkpoint_id"] else {
            // Written before checkpoints had ids: the epochs must agree.
            guard found["epoch"] == metadata["epoch"] else { throw torn(model, metadata, current, found) }
            return (current, tensors, found)
        }
        if found["checkpoint_id"] == id { return (current, tensors, found) }
        let previous = previousFile(for: current)
        if FileManager.default.fileExists(atPath: previous.path) {
            let (previousTensors, previousMetadata) = try Safetensors.read(from: previous)
            if previousMetadata["checkpoint_id"] == id { return (previous, previousTensors, previousMetadata) }
        }
        throw torn(model, metadata, current, found)
    }

    /// Removes what killed saves left in `directory` (`.*.part` and `.*.tmp` files, `*.nosync*` files of Foundation's
    /// atomic writes) and settles every `.prev` file: restored when its model file needs it, removed otherwise.
    /// Returns the names of the files it removed or restored.
    @discardableResult
    static func recover(directory: URL) throws -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        var settled: [String] = []
        for name in names.sorted() {
            let url = directory.appendingPathComponent(name)
            if (name.hasPrefix(".") && (name.hasSuffix(".part") || name.hasSuffix(".tmp"))) || name.contains(".nosync") {
                try FileManager.default.removeItem(at: url)
                settled.append(name)
            } else if name.hasSuffix(".optim.safetensors.prev") {
                let current = url.deletingPathExtension()
                let model = current.deletingLastPathComponent()
                    .appendingPathComponent(
                        String(current.lastPathComponent.dropLast(".optim.safetensors".count)) + ".safetensors")
                let modelID = (try? Safetensors.read(from: model))?.metadata["checkpoint_id"]
                let currentID = (try? Safetensors.read(from: current))?.metadata["checkpoint_id"]
                let previousID = (try? Safetensors.read(from: url))?.metadata["checkpoint_id"]
                if modelID != nil, modelID != currentID, modelID == previousID {
                    try rename(url, to: current)
                } else {
                    try FileManager.default.removeItem(at: url)
                }
                settled.append(name)
            }
        }
        return settled
    }

    private static func previousFile(for optimizer: URL) -> URL {
        optimizer.deletingLastPathComponent().appendingPathComponent(optimizer.lastPathComponent + ".prev")
    }

    private static func torn(
        _ model: URL, _ modelMetadata: [String: String], _ optimizer: URL, _ optimizerMetadata: [String: String]
    ) -> FoveaError {
        func step(_ metadata: [String: String]) -> String {
            if let epoch = metadata["position_epoch"], let batch = metadata["position_batch"] {
                return "epoch \(epoch), batch \(batch)"
            }
            return "after epoch \(metadata["epoch"] ?? "?")"
        }
        return .badFile(
            path: model.path,
            reason: "holds the model at \(step(modelMetadata)) but \(optimizer.lastPathComponent) holds the optimizer "
                + "at \(step(optimizerMetadata)): the pair belongs to different steps; resume from an epoch-NNN.safetensors checkpoint instead"
        )
    }

    private static func rename(_ source: URL, to destination: URL) throws {
        guard Foundation.rename(source.path, destination.path) == 0 else {
            throw FoveaError.badFile(
                path: destination.path, reason: "cannot replace the file: \(String(cString: strerror(errno)))")
        }
    }

    /// Makes the renames in `directory` durable (best effort: not every file system supports it).
    private static func syncDirectory(_ directory: URL) {
        let descriptor = open(directory.path, O_RDONLY)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
