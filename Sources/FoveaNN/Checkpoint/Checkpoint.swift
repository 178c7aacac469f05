import Foundation
import FoveaCore

/// Where training stands: the epoch in progress, how many of its batches are trained, and the running sums of
/// those batches (so the epoch's metrics come out as if it had never stopped). A finished epoch `e` is the
/// position `TrainingPosition(epoch: e + 1)`.
public struct TrainingPosition: Sendable, Equatable {
    /// The epoch in progress, from 0.
    public var epoch: Int
    /// Batches of `epoch` already trained: training continues with batch number `batch` (from 0).
    public var batch: Int
    /// Sum over the trained batches of mean batch loss times batch size.
    public var lossSum: Float
    /// Correct predictions in the trained batches.
    public var correct: Int
    /// Samples in the trained batches.
    public var samples: Int
    /// For a model of several outputs, each output's sum of mean batch loss (unweighted) times batch size; else empty.
    public var outputLossSums: [Float]
    /// For a model of several outputs, each output's correct predictions (0 for a regression output); else empty.
    public var outputCorrect: [Int]

    public init(
        epoch: Int, batch: Int = 0, lossSum: Float = 0, correct: Int = 0, samples: Int = 0,
        outputLossSums: [Float] = [], outputCorrect: [Int] = []
    ) {
        self.epoch = epoch
        self.batch = batch
        self.lossSum = lossSum
        self.correct = correct
        self.samples = samples
        self.outputLossSums = outputLossSums
        self.outputCorrect = outputCorrect
    }

    /// The last epoch finished at this position (-1 when none).
    public var lastCompleteEpoch: Int { epoch - 1 }
}

/// A training checkpoint: `NAME.safetensors` holds the model's state dict with PyTorch's names (loadable by
/// `safetensors.torch.load_file` + `load_state_dict`), and `NAME.optim.safetensors` the optimizer state, the training
/// position and the random generator's position, for resuming. The pair is published so that it always belongs to one
/// step, whenever the process is killed (`CheckpointPair`).
///
/// Both files' metadata: `checkpoint_id` (the same in both), `epoch` (the last complete epoch), `position_epoch`,
/// `position_batch` and, with an optimizer, `step_count`. The optimizer file's also has `learning_rates`,
/// `generator_seed`, `generator_offset`, `partial_loss_sum`, `partial_correct`, `partial_samples` and, for a model of
/// several outputs, `partial_output_loss_sums` and `partial_output_correct` (comma-separated, one value per output).
public enum Checkpoint {
    /// The optimizer-state file that accompanies a model file.
    public static func optimizerFile(for modelFile: URL) -> URL {
        let base = modelFile.deletingPathExtension().lastPathComponent
        return modelFile.deletingLastPathComponent().appendingPathComponent("\(base).optim.safetensors")
    }

    /// Saves the model after epoch `epoch` finished: `save(model:optimizer:position:...)` at the start of epoch `epoch + 1`.
    public static func save(
        model: Module, optimizer: Optimizer? = nil, epoch: Int, metadata: [String: String] = [:],
        generator: Generator = .default, to url: URL
    ) throws {
        try save(
            model: model, optimizer: optimizer, position: TrainingPosition(epoch: epoch + 1), metadata: metadata,
            generator: generator, to: url)
    }

    /// Saves the model (and, when given, the optimizer state and `position`, with `generator`'s position: the stream
    /// that dropout draws from). Both files are written in full under temporary names, then published so that they
    /// always belong to one step (see `CheckpointPair`): a failed or killed save leaves the previous checkpoint (or none).
    public static func save(
        model: Module, optimizer: Optimizer? = nil, position: TrainingPosition, metadata: [String: String] = [:],
        generator: Generator = .default, to url: URL
    ) throws {
        let epoch = String(position.lastCompleteEpoch)
        let step = [
            "checkpoint_id": UUID().uuidString, "epoch": epoch,
            "position_epoch": String(position.epoch), "position_batch": String(position.batch),
        ]
        var modelMetadata = metadata.merging(step) { _, new in new }
        modelMetadata["format"] = "fovea"
        var files: [(tensors: [(String, Tensor)], metadata: [String: String], url: URL)] = [
            (model.stateDict(), modelMetadata, url)
        ]
        if let optimizer {
            modelMetadata["step_count"] = String(optimizer.stepCount)
            files[0].metadata = modelMetadata
            let state = generator.state
            files.append(
                (
                    optimizer.stateTensors(),
                    step.merging(
                        [
                            "step_count": String(optimizer.stepCount),
                            "learning_rates": optimizer.parameterGroups.map { String($0.learningRate) }.joined(separator: ","),
                            "generator_seed": String(state.seed), "generator_offset": String(state.offset),
                            "partial_loss_sum": String(position.lossSum), "partial_correct": String(position.correct),
                            "partial_samples": String(position.samples),
                        ].merging(Self.outputSums(of: position)) { _, new in new }
                    ) { _, new in new }, optimizerFile(for: url)
                ))
        }
        for file in files {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: file.url.path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw FoveaError.badFile(path: file.url.path, reason: "is a directory, cannot save a checkpoint there")
            }
        }
        let token = UUID().uuidString
        let staged = files.map {
            $0.url.deletingLastPathComponent().appendingPathComponent(".\($0.url.lastPathComponent).\(token).part")
        }
        defer { for file in staged { try? FileManager.default.removeItem(at: file) } }
        for (file, temporary) in zip(files, staged) {
            do {
                try Safetensors.write(file.tensors, metadata: file.metadata, to: temporary)
            } catch FoveaError.badFile(_, let reason) {
                throw FoveaError.badFile(path: file.url.path, reason: reason)
            }
        }
        try CheckpointPair.publish(
            model: url, stagedModel: staged[0], optimizer: files.count > 1 ? files[1].url : nil,
            stagedOptimizer: files.count > 1 ? staged[1] : nil)
    }

    /// Removes the temporary files killed saves left in `directory` and completes or undoes a save that was killed
    /// between its two renames, so that every model file there has its own optimizer file. Returns what it changed.
    @discardableResult
    public static func recover(directory: URL) throws -> [String] {
        try CheckpointPair.recover(directory: directory)
    }

    /// Loads model weights into `model` (same architecture), optionally freezing the parameters whose names start with
    /// one of `freezing` (transfer learning). Returns the file's metadata.
    @discardableResult
    public static func loadModel(_ model: Module, from url: URL, strict: Bool = true, freezing prefixes: [String] = []) throws
        -> [String: String]
    {
        let (tensors, metadata) = try Safetensors.read(from: url)
        try loadModel(model, tensors: tensors, file: url.path, strict: strict, freezing: prefixes)
        return metadata
    }

    /// Loads the tensors already read from the checkpoint `file` (named by errors) into `model`, as
    /// `loadModel(_:from:strict:freezing:)` does.
    public static func loadModel(
        _ model: Module, tensors: [String: Tensor], file: String, strict: Bool = true,
        freezing prefixes: [String] = []
    ) throws {
        let named = model.namedParameters
        if let unmatched = prefixes.first(where: { prefix in !named.contains { $0.0.hasPrefix(prefix) } }) {
            throw FoveaError.invalidArgument(
                "freezing: '\(unmatched)' is the start of no parameter name of this model (\(named.map(\.0).joined(separator: ", ")))"
            )
        }
        do {
            try model.loadStateDict(tensors, strict: strict)
        } catch let error as FoveaError {
            throw FoveaError.badFile(path: file, reason: "does not fit this model: \(error)")
        }
        for (name, parameter) in named where prefixes.contains(where: { name.hasPrefix($0) }) {
            parameter.isFrozen = true
        }
    }

    /// Restores model, optimizer and `generator` from a checkpoint; returns where training continues. Checkpoints
    /// without a saved position (written before positions were saved) continue at the epoch after theirs.
    public static func resume(model: Module, optimizer: Optimizer, generator: Generator = .default, from url: URL) throws
        -> TrainingPosition
    {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw FoveaError.badFile(path: url.path, reason: "no such file")
        }
        let modelMetadata = try loadModel(model, from: url)
        let (file, tensors, metadata) = try CheckpointPair.optimizerFile(matching: url, metadata: modelMetadata)
        guard let epoch = metadata["epoch"].flatMap(Int.init), let steps = metadata["step_count"].flatMap(Int.init),
            let seed = metadata["generator_seed"].flatMap(UInt64.init),
            let offset = metadata["generator_offset"].flatMap(UInt64.init)
        else { throw FoveaError.badFile(path: file.path, reason: "missing epoch, step_count or generator metadata") }
        let position = try savedPosition(metadata, file: file) ?? TrainingPosition(epoch: epoch + 1)
        do {
            try optimizer.loadState(tensors, stepCount: steps)
        } catch let error as FoveaError {
            throw FoveaError.badFile(path: file.path, reason: "does not fit this optimizer: \(error)")
        }
        if let rates = metadata["learning_rates"]?.split(separator: ",").compactMap({ Float($0) }),
            rates.count == optimizer.parameterGroups.count
        {
            for (group, rate) in zip(optimizer.parameterGroups, rates) { group.learningRate = rate }
        }
        generator.state = PhiloxState(seed: seed, offset: offset)
        return position
    }

    /// The `position_*` and `partial_*` metadata; nil when there is none, an error when it is incomplete or out of range.
    private static func savedPosition(_ metadata: [String: String], file: URL) throws -> TrainingPosition? {
        let keys = ["position_epoch", "position_batch", "partial_loss_sum", "partial_correct", "partial_samples"]
        guard keys.contains(where: { metadata[$0] != nil }) else { return nil }
        guard let epoch = metadata["position_epoch"].flatMap(Int.init), let batch = metadata["position_batch"].flatMap(Int.init),
            let lossSum = metadata["partial_loss_sum"].flatMap(Float.init),
            let correct = metadata["partial_correct"].flatMap(Int.init),
            let samples = metadata["partial_samples"].flatMap(Int.init),
            epoch >= 0, batch >= 0, samples >= 0, correct >= 0, correct <= samples
        else {
            let values = keys.map { "\($0)=\(metadata[$0] ?? "missing")" }.joined(separator: ", ")
            throw FoveaError.badFile(path: file.path, reason: "malformed training position (\(values))")
        }
        let outputLossSums = metadata["partial_output_loss_sums"].map { $0.split(separator: ",").map { Float($0) } } ?? []
        let outputCorrect = metadata["partial_output_correct"].map { $0.split(separator: ",").map { Int($0) } } ?? []
        guard outputLossSums.count == outputCorrect.count, outputLossSums.allSatisfy({ $0 != nil }),
            outputCorrect.allSatisfy({ $0.map { (0...samples).contains($0) } ?? false })
        else {
            let values = ["partial_output_loss_sums", "partial_output_correct"].map { "\($0)=\(metadata[$0] ?? "missing")" }
            throw FoveaError.badFile(
                path: file.path, reason: "malformed per-output training position (\(values.joined(separator: ", ")))")
        }
        return TrainingPosition(
            epoch: epoch, batch: batch, lossSum: lossSum, correct: correct, samples: samples,
            outputLossSums: outputLossSums.compactMap { $0 }, outputCorrect: outputCorrect.compactMap { $0 })
    }

    /// The per-output partial sums of `position` as metadata: none for a model of one output.
    private static func outputSums(of position: TrainingPosition) -> [String: String] {
        guard !position.outputLossSums.isEmpty else { return [:] }
        return [
            "partial_output_loss_sums": position.outputLossSums.map { String($0) }.joined(separator: ","),
            "partial_output_correct": position.outputCorrect.map(String.init).joined(separator: ","),
        ]
    }
}
