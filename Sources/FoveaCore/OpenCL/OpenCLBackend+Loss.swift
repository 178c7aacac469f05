extension OpenCLBackend: LossBackend {
    public func classificationLoss(
        _ input: Storage, targets: Storage, classWeights: Storage?, descriptor d: ClassificationLossDescriptor,
        loss: Storage, statistics: Storage, logSumExp: Storage
    ) throws {
        try classificationLoss(
            input, targets: targets, classWeights: classWeights, descriptor: d, loss: loss, statistics: statistics,
            logSumExp: logSumExp, totals: nil)
    }

    /// The totals are added by the loss kernel itself.
    public func classificationLoss(
        _ input: Storage, targets: Storage, classWeights: Storage?, descriptor d: ClassificationLossDescriptor,
        loss: Storage, statistics: Storage, logSumExp: Storage,
        accumulatingInto lossSum: Storage, correct: Storage
    ) throws {
        try classificationLoss(
            input, targets: targets, classWeights: classWeights, descriptor: d, loss: loss, statistics: statistics,
            logSumExp: logSumExp, totals: (lossSum, correct))
    }

    private func classificationLoss(
        _ input: Storage, targets: Storage, classWeights: Storage?, descriptor d: ClassificationLossDescriptor,
        loss: Storage, statistics: Storage, logSumExp: Storage, totals: (Storage, Storage)?
    ) throws {
        let local = reductionGroupSize
        try run(
            "classification_loss", in: "loss", options: lossOptions(fromLogits: d.fromLogits), global: [local], local: [local],
            .buffer(input), .buffer(targets), .buffer(classWeights ?? targets), .int(classWeights == nil ? 0 : 1),
            .int(d.rows), .int(d.classes), .float(d.labelSmoothing), .buffer(loss), .buffer(statistics), .buffer(logSumExp),
            .int(totals == nil ? 0 : 1), .buffer(totals?.0 ?? loss), .buffer(totals?.1 ?? loss))
    }

    public func classificationLossBackward(
        _ gradLoss: Storage, input: Storage, targets: Storage, classWeights: Storage?,
        descriptor d: ClassificationLossDescriptor, statistics: Storage, logSumExp: Storage,
        gradInput: Storage
    ) throws {
        try run(
            "classification_loss_backward", in: "loss", options: lossOptions(fromLogits: d.fromLogits),
            global: [d.classes, d.rows],
            .buffer(gradLoss), .buffer(input), .buffer(targets), .buffer(classWeights ?? targets),
            .int(classWeights == nil ? 0 : 1),
            .int(d.rows), .int(d.classes), .float(d.labelSmoothing), .buffer(statistics), .buffer(logSumExp), .buffer(gradInput))
    }

    /// Build options shared by the forward and backward, so they come from one build of loss.cl.
    func lossOptions(fromLogits: Bool) -> String {
        "-DLOCAL_SIZE=\(reductionGroupSize) -DFROM_LOGITS=\(fromLogits ? 1 : 0)"
    }
}
