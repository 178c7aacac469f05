extension Tensor {
    /// Batch normalization of an [N, C] or [N, C, spatial...] input with per-channel statistics over N and the spatial axes
    /// (PyTorch's `F.batch_norm`).
    ///
    /// In training, the batch mean and biased variance normalize the input, and `runningMean` / `runningVar`, when given,
    /// are updated in place on the device: running = (1 - momentum) * running + momentum * batch value, with the
    /// unbiased variance for `runningVar`. In evaluation the running statistics normalize; without them the batch is used.
    /// `weight` (gamma) and `bias` (beta) are [C]; absent they act as 1 and 0. With `relu` the output goes through ReLU
    /// in the same op (`batchNorm(...).relu()` with no separate ReLU pass either way, on both backends). A `residual` of
    /// the input's shape is added before the ReLU: `(batchNorm(...) + residual).relu()`, a residual block's end, in one
    /// op (one pass each way on the CPU backend; the composition on OpenCL).
    public func batchNorm(
        weight: Tensor?, bias: Tensor?, runningMean: Tensor?, runningVar: Tensor?,
        training: Bool, momentum: Float = 0.1, eps: Float = 1e-5, residual: Tensor? = nil, relu: Bool = false
    ) throws -> Tensor {
        try requireDType(.float32, op: "batchNorm")
        if !isDense {
            return try dense().batchNorm(
                weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar, training: training,
                momentum: momentum, eps: eps, residual: residual, relu: relu)
        }
        guard rank >= 2 else {
            throw FoveaError.invalidArgument("batchNorm: input of shape \(shape) needs at least 2 axes [N, C, ...]")
        }
        let layout = BatchNormShape(batch: shape[0], channels: shape[1], spatial: shape.dims[2...].reduce(1, *))
        let channelShape = Shape([layout.channels])
        for case let (name, parameter?) in [
            ("weight", weight), ("bias", bias), ("runningMean", runningMean), ("runningVar", runningVar),
        ] {
            guard parameter.shape == channelShape else {
                throw FoveaError.shapeMismatch(op: "batchNorm \(name)", channelShape, parameter.shape)
            }
            try checkSameDevice(parameter, op: "batchNorm")
        }
        if let residual {
            guard residual.shape == shape else { throw FoveaError.shapeMismatch(op: "batchNorm residual", shape, residual.shape) }
            try checkSameDevice(residual, op: "batchNorm")
            try residual.requireDType(.float32, op: "batchNorm residual")
        }
        let skip = try residual?.dense()
        guard (runningMean == nil) == (runningVar == nil) else {
            throw FoveaError.invalidArgument("batchNorm: give both runningMean and runningVar, or neither")
        }
        guard eps >= 0, eps.isFinite, momentum.isFinite else {
            throw FoveaError.invalidArgument("batchNorm: eps \(eps) and momentum \(momentum) must be finite, eps >= 0")
        }
        let batchStatistics = training || runningMean == nil
        if batchStatistics && layout.reduced <= 1 {
            throw FoveaError.invalidArgument(
                "batchNorm: expected more than 1 value per channel when training, got input shape \(shape)")
        }
        let result = try Tensor.empty(shape, device: device)
        let savedMean = try Tensor.empty(channelShape, device: device),
            savedInvStd = try Tensor.empty(channelShape, device: device)
        // Training updates the running statistics in place (a write that a backward reading them would refuse).
        let updatedMean = try training ? runningMean?.writableStorage(op: "batchNorm") : runningMean?.storage
        let updatedVar = try training ? runningVar?.writableStorage(op: "batchNorm") : runningVar?.storage
        try backend.batchNormForward(
            storage, residual: skip?.storage, into: result.storage, shape: layout, weight: weight?.storage,
            bias: bias?.storage, runningMean: updatedMean, runningVar: updatedVar,
            useBatchStatistics: batchStatistics, momentum: momentum, eps: eps,
            savedMean: savedMean.storage, savedInvStd: savedInvStd.storage, relu: relu)
        let inputs = [self] + [weight, bias, skip].compactMap { $0 }
        let op = "batchNorm" + (skip == nil ? "" : "+add") + (relu ? "+relu" : "")
        return record(result, op: op, inputs: inputs, saving: .only([self] + (weight.map { [$0] } ?? []), outputs: relu)) {
            [self] grad, output in
            let gradInput = requiresGrad ? try Tensor.empty(shape, device: device) : nil
            let gradWeight = weight?.requiresGrad == true ? try Tensor.empty(channelShape, device: device) : nil
            let gradBias = bias?.requiresGrad == true ? try Tensor.empty(channelShape, device: device) : nil
            // The residual's gradient: the output's, masked by ReLU when there is one (then written by the backward).
            let gradResidual = skip != nil && relu ? try Tensor.empty(shape, device: device) : grad
            try backend.batchNormBackward(
                grad.storage, reluOutput: relu ? output.storage : nil,
                gradResidual: skip != nil && relu ? gradResidual.storage : nil, x: storage, shape: layout,
                weight: weight?.storage, savedMean: savedMean.storage, savedInvStd: savedInvStd.storage,
                batchStatistics: batchStatistics, gradInput: gradInput?.storage,
                gradWeight: gradWeight?.storage, gradBias: gradBias?.storage)
            return [gradInput] + (weight == nil ? [] : [gradWeight]) + (bias == nil ? [] : [gradBias])
                + (skip.map { $0.requiresGrad ? [gradResidual] : [nil] } ?? [])
        }
    }
}
