/// The fully connected layer's op: y = x * W^T + b, with W stored [out, in] as in PyTorch.
extension Tensor {
    /// Applies `weight` [out, in] (and `bias` [out]) to the last axis of this [..., in] tensor, then `activation` in the
    /// same op (`linear(...).relu()` as one: on PoCL the small GEMM adds the bias and applies it as it stores, and the
    /// backward takes the activation's and the bias gradient in one kernel).
    public func linear(weight: Tensor, bias: Tensor? = nil, activation: ConvolutionActivation = .identity) throws -> Tensor {
        try requireDType(.float32, op: "linear")
        if !isDense { return try dense().linear(weight: weight, bias: bias, activation: activation) }
        try checkSameDevice(weight, op: "linear")
        guard weight.rank == 2, rank >= 1, shape[rank - 1] == weight.shape[1] else {
            throw FoveaError.shapeMismatch(op: "linear", shape, weight.shape)
        }
        let inFeatures = weight.shape[1], outFeatures = weight.shape[0]
        let rows = count / inFeatures
        if let bias {
            try checkSameDevice(bias, op: "linear")
            guard bias.shape == Shape([outFeatures]) else {
                throw FoveaError.shapeMismatch(op: "linear bias", weight.shape, bias.shape)
            }
        }
        let backend = try self.backend
        let result = try Tensor.empty(Shape(Array(shape.dims.dropLast()) + [outFeatures]), device: device)
        let forward = GemmDescriptor(m: rows, n: outFeatures, k: inFeatures, transposeB: true)
        try backend.gemm(
            forward, a: storage, b: weight.storage, c: result.storage, rowBias: bias?.storage, activation: activation)
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        let op = activation == .identity ? "linear" : "linear+\(activation)"
        // The activation's gradient reads the output.
        let saved = SavedForBackward.operands(self, weight, outputs: activation != .identity)
        return record(result, op: op, inputs: inputs, saving: saved) { [self] grad, output in
            let gradBias = try bias.flatMap { $0.requiresGrad ? try Tensor.empty($0.shape, device: $0.device) : nil }
            // The gradient before the activation, and the bias gradient with it: rows of features are a batch of
            // 1x1 images to the convolution's activation backward.
            var preActivation = grad
            if activation != .identity {
                preActivation = try Tensor.empty(output.shape, device: output.device)
                try backend.conv2dActivationBackward(
                    grad.storage, output: output.storage, activation: activation,
                    geometry: .pointwise(batch: rows, channels: outFeatures),
                    gradPreActivation: preActivation.storage, gradBias: gradBias?.storage)
            } else if let gradBias {
                // Column sums of the gradient: ones[1, rows] * grad[rows, out].
                let ones = try Tensor.ones([rows], device: self.device)
                try backend.gemm(
                    GemmDescriptor(m: 1, n: outFeatures, k: rows), a: ones.storage, b: grad.storage, c: gradBias.storage)
            }
            var grads: [Tensor?] = [nil, nil]
            if self.requiresGrad {
                let gx = try Tensor.empty(self.shape, device: self.device)
                try backend.gemm(
                    GemmDescriptor(m: rows, n: inFeatures, k: outFeatures), a: preActivation.storage, b: weight.storage,
                    c: gx.storage)
                grads[0] = gx
            }
            if weight.requiresGrad {
                let gw = try Tensor.empty(weight.shape, device: self.device)
                try backend.gemm(
                    GemmDescriptor(m: outFeatures, n: inFeatures, k: rows, transposeA: true), a: preActivation.storage,
                    b: self.storage, c: gw.storage)
                grads[1] = gw
            }
            if bias != nil { grads.append(gradBias) }
            return grads
        }
    }
}
