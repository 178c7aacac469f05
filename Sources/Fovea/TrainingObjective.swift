/// How `Trainer` runs its model on a batch and scores it: one input and one loss (a `UnaryLayer`), or one tensor per
/// input and a weighted loss per output (a `MultiTensorLayer`), as Keras' `fit` with `loss` and `loss_weights` lists.
struct TrainingObjective {
    /// The model, with the signature it is called by.
    enum Model {
        case unary(any UnaryLayer)
        case multiTensor(any MultiTensorLayer)
    }

    let model: Model
    /// One loss per output.
    let losses: [Loss]
    /// One weight per output's loss (1 for a unary model).
    let weights: [Float]

    /// The model when it is called with one tensor.
    var unaryModel: (any UnaryLayer)? {
        if case .unary(let model) = model { return model }
        return nil
    }

    /// The target kinds that `RunningTotals` keeps per-output sums for: the loader's for a model of several tensors,
    /// nil for a unary model.
    func outputKinds(of loader: DataLoader) -> [TargetKind]? {
        if case .unary = model { return nil }
        return loader.targetKinds
    }

    /// The batch's loss (for several outputs, the weighted sum of theirs), after adding its sums to `totals`.
    func loss(on batch: Batch, adding totals: RunningTotals) throws -> Tensor {
        switch model {
        case .unary(let model):
            guard batch.allInputs.count == 1, batch.allTargets.count == 1 else {
                throw FoveaError.invalidArgument(
                    "Trainer: the model takes one input and one target, a batch has \(batch.allInputs.count) "
                        + "and \(batch.allTargets.count): train a MultiTensorLayer with one loss per output")
            }
            return try totals.add(losses[0], output: try model(batch.inputs), targets: batch.targets)
        case .multiTensor:
            guard batch.allTargets.count == losses.count else {
                throw FoveaError.invalidArgument(
                    "Trainer: a batch has \(batch.allTargets.count) targets for \(losses.count) losses (one per output)")
            }
            let outputs = try outputs(batch.allInputs)
            let parts = try outputs.indices.map { try losses[$0](outputs[$0], batch.allTargets[$0]) }
            let total = try parts.indices.dropFirst().reduce(try parts[0] * weights[0]) { try $0 + parts[$1] * weights[$1] }
            try totals.add(total: total, losses: parts, outputs: outputs, targets: batch.allTargets)
            return total
        }
    }

    /// One tensor per output from one per input; throws when the model takes or returns another number of tensors.
    func outputs(_ inputs: [Tensor]) throws -> [Tensor] {
        switch model {
        case .unary(let model):
            guard inputs.count == 1 else {
                throw FoveaError.invalidArgument("Trainer: the model takes one input, got \(inputs.count)")
            }
            return [try model(inputs[0])]
        case .multiTensor(let model):
            let outputs = try model(inputs)
            guard outputs.count == losses.count else {
                throw FoveaError.invalidArgument(
                    "Trainer: the model returned \(outputs.count) outputs for \(losses.count) losses (one per output)")
            }
            return outputs
        }
    }
}
