extension Trainer {
    /// Trains a model of several inputs and outputs (a `GraphModel`, or any `MultiTensorLayer`) as Keras' `fit` does
    /// with lists of losses and `loss_weights`: a batch (from a `MultiTensorDataset`) gives the model's inputs and one
    /// target per output, in order, and the loss minimized is the sum of `lossWeights[k] * losses[k](output k, target k)`
    /// (weights default to 1). `EpochMetrics.trainOutputs` and `validationOutputs` hold each output's own loss and,
    /// for class-index targets, accuracy. Throws when the counts of losses, weights and a graph's outputs differ.
    public convenience init(
        model: some MultiTensorLayer, optimizer: Optimizer, losses: [Loss], lossWeights: [Float]? = nil,
        callbacks: [TrainingCallback] = []
    ) throws {
        let weights = lossWeights ?? [Float](repeating: 1, count: losses.count)
        guard !losses.isEmpty, weights.count == losses.count else {
            throw FoveaError.invalidArgument(
                "Trainer: needs one loss weight per loss, got \(weights.count) weights for \(losses.count) losses")
        }
        if let graph = model as? GraphModel, graph.outputs.count != losses.count {
            throw FoveaError.invalidArgument(
                "Trainer: the model has \(graph.outputs.count) outputs, got \(losses.count) losses (one per output)")
        }
        self.init(
            model: model, objective: TrainingObjective(model: .multiTensor(model), losses: losses, weights: weights),
            optimizer: optimizer, callbacks: callbacks)
    }

    /// The losses, one per output.
    public var losses: [Loss] { objective.losses }

    /// The weight of each output's loss in the total.
    public var lossWeights: [Float] { objective.weights }

    /// The weighted total loss over a loader and each output's loss and accuracy, in evaluation mode without gradients
    /// (for a unary model, `outputs` is empty).
    public func evaluatePerOutput(_ loader: DataLoader) throws -> (loss: Float, outputs: [OutputMetrics]) {
        let totals = try evaluationTotals(loader).snapshot(over: replicas)
        return (totals.loss, totals.outputs)
    }

    /// The model's outputs for one tensor per input, in evaluation mode without gradients: class probabilities (the
    /// softmax) for an output trained with `CrossEntropyLoss`, the output as the model computes it for the others.
    public func predict(_ inputs: [Tensor]) throws -> [Tensor] {
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        return try withNoGrad {
            try zip(objective.outputs(inputs), objective.losses).map { output, loss in
                loss is CrossEntropyLoss ? try output.softmax(axis: -1) : output
            }
        }
    }
}
