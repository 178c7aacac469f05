/// Fused classification losses with mean reduction, as PyTorch defines them.
extension Tensor {
    /// Softmax cross-entropy of logits [N, C] against Int32 class indices [N], as a 0-d tensor
    /// (PyTorch's `F.cross_entropy`). With `classWeights` [C] the mean divides by the sum of the targets' weights;
    /// `labelSmoothing` mixes the one-hot target with the uniform distribution.
    ///
    /// Targets on the CPU are validated; on OpenCL (no host sync) a row with an out-of-range target contributes nothing.
    public func crossEntropy(targets: Tensor, classWeights: Tensor? = nil, labelSmoothing: Float = 0) throws -> Tensor {
        guard labelSmoothing >= 0, labelSmoothing <= 1 else {
            throw FoveaError.invalidArgument("crossEntropy: labelSmoothing \(labelSmoothing) is outside [0, 1]")
        }
        return try classificationLoss(
            "crossEntropy", targets: targets, classWeights: classWeights,
            fromLogits: true, labelSmoothing: labelSmoothing)
    }

    /// `crossEntropy`, adding in the same pass N * loss to `lossSum` and to `correct` the number of rows whose first
    /// largest score is at their target (as `argmax`): a trainer's running totals, 0-d tensors on this device, updated
    /// in place without a host sync or launches of their own on OpenCL.
    public func crossEntropy(
        targets: Tensor, classWeights: Tensor? = nil, labelSmoothing: Float = 0,
        accumulatingLossInto lossSum: Tensor, correctInto correct: Tensor
    ) throws -> Tensor {
        guard labelSmoothing >= 0, labelSmoothing <= 1 else {
            throw FoveaError.invalidArgument("crossEntropy: labelSmoothing \(labelSmoothing) is outside [0, 1]")
        }
        for (name, total) in [("lossSum", lossSum), ("correct", correct)] {
            guard total.shape == [], total.dtype == .float32 else {
                throw FoveaError.invalidArgument(
                    "crossEntropy: \(name) must be a 0-d float32 tensor, got \(total.dtype) \(total.shape)")
            }
            try checkSameDevice(total, op: "crossEntropy \(name)")
        }
        return try classificationLoss(
            "crossEntropy", targets: targets, classWeights: classWeights, fromLogits: true,
            labelSmoothing: labelSmoothing, totals: (lossSum, correct))
    }

    /// Negative log-likelihood of log-probabilities [N, C] against Int32 class indices [N] (PyTorch's `F.nll_loss`), as a 0-d tensor.
    public func nllLoss(targets: Tensor, classWeights: Tensor? = nil) throws -> Tensor {
        try classificationLoss("nllLoss", targets: targets, classWeights: classWeights, fromLogits: false, labelSmoothing: 0)
    }

    private func classificationLoss(
        _ op: String, targets: Tensor, classWeights: Tensor?, fromLogits: Bool, labelSmoothing: Float,
        totals: (lossSum: Tensor, correct: Tensor)? = nil
    ) throws -> Tensor {
        try requireDType(.float32, op: op)
        if !isDense {
            return try dense().classificationLoss(
                op, targets: targets, classWeights: classWeights, fromLogits: fromLogits, labelSmoothing: labelSmoothing,
                totals: totals)
        }
        guard targets.dtype == .int32 else {
            throw FoveaError.invalidArgument(
                "\(op): targets must be int32 class indices, got \(targets.dtype); use Tensor(indices:) or to(dtype: .int32)")
        }
        guard rank == 2, shape[0] > 0, shape[1] > 0 else {
            throw FoveaError.invalidArgument("\(op): expected scores [N, C] with N, C > 0, got \(shape)")
        }
        let descriptor = ClassificationLossDescriptor(
            rows: shape[0], classes: shape[1], fromLogits: fromLogits,
            labelSmoothing: labelSmoothing)
        guard targets.shape == [descriptor.rows] else {
            throw FoveaError.shapeMismatch(op: "\(op) targets", [descriptor.rows], targets.shape)
        }
        try checkSameDevice(targets, op: op)
        if let classWeights {
            guard classWeights.shape == [descriptor.classes] else {
                throw FoveaError.shapeMismatch(op: "\(op) classWeights", [descriptor.classes], classWeights.shape)
            }
            try checkSameDevice(classWeights, op: op)
        }
        if targets.device == .cpu {
            for (i, t) in try targets.toInt32Array().enumerated() where !(t >= 0 && Int(t) < descriptor.classes) {
                throw FoveaError.invalidArgument(
                    "\(op): target \(t) of row \(i) is not a class index in 0..<\(descriptor.classes)")
            }
        }
        let loss = try Tensor.empty([], device: device)
        let statistics = try Tensor.empty([2], device: device), logSumExp = try Tensor.empty([descriptor.rows], device: device)
        if let totals {
            try backend.classificationLoss(
                storage, targets: targets.storage, classWeights: classWeights?.storage, descriptor: descriptor,
                loss: loss.storage, statistics: statistics.storage, logSumExp: logSumExp.storage,
                accumulatingInto: totals.lossSum.writableStorage(op: "crossEntropy"),
                correct: totals.correct.writableStorage(op: "crossEntropy"))
        } else {
            try backend.classificationLoss(
                storage, targets: targets.storage, classWeights: classWeights?.storage, descriptor: descriptor,
                loss: loss.storage, statistics: statistics.storage, logSumExp: logSumExp.storage)
        }
        let saved = SavedForBackward.only([self, targets] + (classWeights.map { [$0] } ?? []))
        return record(loss, op: op, inputs: [self], saving: saved) { [self] grad, _ in
            let gradInput = try Tensor.empty(shape, device: device)
            try backend.classificationLossBackward(
                grad.storage, input: storage, targets: targets.storage,
                classWeights: classWeights?.storage, descriptor: descriptor,
                statistics: statistics.storage, logSumExp: logSumExp.storage,
                gradInput: gradInput.storage)
            return [gradInput]
        }
    }
}
