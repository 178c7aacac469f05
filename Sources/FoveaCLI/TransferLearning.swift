import Foundation
import Fovea

/// `fovea train --init-from`, `--freeze`, `--unfreeze-after` and `--lr-backbone`: starting from another run's (or
/// PyTorch's) weights, with a new classifier head when the classes differ and a frozen backbone.
enum TransferLearning {
    /// Loads the weights in `path` into `model` (a Fovea checkpoint of the same zoo model, or a plain state dict of
    /// it). When only the classifier head (the last layer with a 2-D weight) has another number of classes, the head
    /// keeps its fresh initialization: the returned line says so. Every other tensor must match by name and shape.
    static func initialize(_ model: Module, from path: String, modelName: String, data: String) throws -> String? {
        let url = URL(fileURLWithPath: path)
        var (tensors, metadata) = try Safetensors.read(from: url)
        if let saved = metadata["model"], saved != modelName {
            throw FoveaError.invalidArgument("--init-from \(path): holds a \(saved) model, not --model \(modelName)")
        }
        var note: String?
        if let head = model.namedParameters.last(where: { $0.1.shape.rank == 2 }),
            let saved = tensors[head.0], saved.rank == 2, saved.shape[0] != head.1.shape[0], saved.shape[1] == head.1.shape[1]
        {
            let prefix = String(head.0.dropLast("weight".count))
            let names = model.stateDict().filter { $0.0.hasPrefix(prefix) && !$0.0.dropFirst(prefix.count).contains(".") }
            for (name, tensor) in names { tensors[name] = tensor }
            note =
                "replaced the classifier head (\(names.map(\.0).joined(separator: ", "))): \(path) has \(saved.shape[0]) classes, "
                + "\(data) has \(head.1.shape[0])"
        }
        do {
            try model.loadStateDict(tensors)
        } catch let error as FoveaError {
            throw FoveaError.badFile(path: path, reason: "does not fit --model \(modelName): \(error)")
        }
        return note
    }

    /// The parameters of `model` whose names start with one of the comma-separated `prefixes`; each prefix must match.
    static func parameters(of model: Module, matching prefixes: String) throws -> [Parameter] {
        let starts = prefixes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let named = model.namedParameters
        if let unmatched = starts.first(where: { start in !named.contains { $0.0.hasPrefix(start) } }) {
            throw FoveaError.invalidArgument(
                "--freeze \(prefixes): '\(unmatched)' starts no parameter name of the model "
                    + "(\(named.map(\.0).joined(separator: ", ")))")
        }
        return named.filter { name, _ in starts.contains { name.hasPrefix($0) } }.map(\.1)
    }

    /// The summary line: how many values train and how many are frozen.
    static func describe(_ model: Module) -> String {
        let frozen = model.parameters.filter(\.isFrozen).reduce(0) { $0 + $1.value.count }
        return "parameters: \(model.parameterCount - frozen) trainable, \(frozen) frozen"
    }
}

/// Unfreezes the frozen backbone when epoch `epoch` begins (after `epoch` epochs), saying so in one line.
final class UnfreezeCallback: TrainingCallback {
    let parameters: [Parameter]
    let epoch: Int

    init(_ parameters: [Parameter], afterEpochs epoch: Int) {
        self.parameters = parameters
        self.epoch = epoch
    }

    func epochDidEnd(_ trainer: Trainer, metrics: EpochMetrics) throws {
        guard metrics.epoch + 1 == epoch else { return }
        for parameter in parameters { parameter.isFrozen = false }
        print("unfroze the backbone after epoch \(epoch): \(TransferLearning.describe(trainer.model))")
    }
}
