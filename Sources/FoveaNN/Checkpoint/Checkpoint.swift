import Foundation
import FoveaCore

/// A training checkpoint: `NAME.safetensors` holds the model's state dict with PyTorch's names (loadable by
/// `safetensors.torch.load_file` + `load_state_dict`), and `NAME.optim.safetensors` the optimizer state, the epoch
/// and the random generator's position, for resuming. Each file is written to a temporary file and renamed.
public enum Checkpoint {
    /// The optimizer-state file that accompanies a model file.
    public static func optimizerFile(for modelFile: URL) -> URL {
        let base = modelFile.deletingPathExtension().lastPathComponent
        return modelFile.deletingLastPathComponent().appendingPathComponent("\(base).optim.safetensors")
    }

    /// Saves the model (and, when given, the optimizer state and training position, with `generator`'s position:
    /// the stream that dropout and augmentation draw from). Both files are written in full under temporary names
    /// before either replaces an existing file, so a failed save leaves the previous checkpoint (or none) in place.
    public static func save(model: Module, optimizer: Optimizer? = nil, epoch: Int, metadata: [String: String] = [:],
                            generator: Generator = .default, to url: URL) throws {
        var modelMetadata = metadata
        modelMetadata["format"] = "fovea"
        modelMetadata["epoch"] = String(epoch)
        var files: [(tensors: [(String, Tensor)], metadata: [String: String], url: URL)] = [(model.stateDict(), modelMetadata, url)]
        if let optimizer {
            let position = generator.state
            files.append((optimizer.stateTensors(), [
                "epoch": String(epoch), "step_count": String(optimizer.stepCount),
                "learning_rates": optimizer.parameterGroups.map { String($0.learningRate) }.joined(separator: ","),
                "generator_seed": String(position.seed), "generator_offset": String(position.offset),
            ], optimizerFile(for: url)))
        }
        for file in files {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: file.url.path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw FoveaError.badFile(path: file.url.path, reason: "is a directory, cannot save a checkpoint there")
            }
        }
        let token = UUID().uuidString
        let staged = files.map { $0.url.deletingLastPathComponent().appendingPathComponent(".\($0.url.lastPathComponent).\(token).part") }
        defer { for file in staged { try? FileManager.default.removeItem(at: file) } }
        for (file, temporary) in zip(files, staged) {
            do {
                try Safetensors.write(file.tensors, metadata: file.metadata, to: temporary)
            } catch FoveaError.badFile(_, let reason) {
                throw FoveaError.badFile(path: file.url.path, reason: reason)
            }
        }
        // The model file goes last: once it is in place, its optimizer state is too.
        for (file, temporary) in zip(files, staged).reversed() where rename(temporary.path, file.url.path) != 0 {
            throw FoveaError.badFile(path: file.url.path, reason: "cannot replace the file: \(String(cString: strerror(errno)))")
        }
    }

    /// Loads model weights into `model` (same architecture), optionally freezing the parameters whose names start with
    /// one of `freezing` (transfer learning). Returns the file's metadata.
    @discardableResult
    public static func loadModel(_ model: Module, from url: URL, strict: Bool = true, freezing prefixes: [String] = []) throws -> [String: String] {
        let named = model.namedParameters
        if let unmatched = prefixes.first(where: { prefix in !named.contains { $0.0.hasPrefix(prefix) } }) {
            throw FoveaError.invalidArgument("freezing: '\(unmatched)' is the start of no parameter name of this model (\(named.map(\.0).joined(separator: ", ")))")
        }
        let (tensors, metadata) = try Safetensors.read(from: url)
        do {
            try model.loadStateDict(tensors, strict: strict)
        } catch let error as FoveaError {
            throw FoveaError.badFile(path: url.path, reason: "does not fit this model: \(error)")
        }
        for (name, parameter) in named where prefixes.contains(where: { name.hasPrefix($0) }) {
            parameter.isFrozen = true
        }
        return metadata
    }

    /// Restores model, optimizer and `generator` from a checkpoint; returns the epoch it was saved after.
    public static func resume(model: Module, optimizer: Optimizer, generator: Generator = .default, from url: URL) throws -> Int {
        guard FileManager.default.fileExists(atPath: url.path) else { throw FoveaError.badFile(path: url.path, reason: "no such file") }
        let file = optimizerFile(for: url)
        let (tensors, metadata) = try Safetensors.read(from: file)
        guard let epoch = metadata["epoch"].flatMap(Int.init), let steps = metadata["step_count"].flatMap(Int.init),
              let seed = metadata["generator_seed"].flatMap(UInt64.init), let offset = metadata["generator_offset"].flatMap(UInt64.init)
        else { throw FoveaError.badFile(path: file.path, reason: "missing epoch, step_count or generator metadata") }
        try loadModel(model, from: url)
        do {
            try optimizer.loadState(tensors, stepCount: steps)
        } catch let error as FoveaError {
            throw FoveaError.badFile(path: file.path, reason: "does not fit this optimizer: \(error)")
        }
        if let rates = metadata["learning_rates"]?.split(separator: ",").compactMap({ Float($0) }), rates.count == optimizer.parameterGroups.count {
            for (group, rate) in zip(optimizer.parameterGroups, rates) { group.learningRate = rate }
        }
        generator.state = PhiloxState(seed: seed, offset: offset)
        return epoch
    }
}
