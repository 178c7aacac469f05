/// The fully connected layer's op: y = x * W^T + b, with W stored [out, in] as in PyTorch.
extension Tensor {
    /// Applies `weight` [out, in] (and `bias` [out]) to the last axis of this [..., in] tensor.
    public func linear(weight: Tensor, bias: Tensor? = nil) throws -> Tensor {
        try requireDType(.float32, op: "linear")
        if !isDense { return try dense().linear(weight: weight, bias: bias) }
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
        if let bias {
            try backend.gemm(forward, a: storage, b: weight.storage, c: result.storage, rowBias: bias.storage)
        } else {
            try backend.gemm(forward, a: storage, b: weight.storage, c: result.storage)
        }
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return record(result, op: "linear", inputs: inputs, saving: .operands(self, weight)) { [self] grad, _ in
            var grads: [Tensor?] = []
            if self.requiresGrad {
                let gx = try Tensor.empty(self.shape, device: self.device)
                try backend.gemm(
                    GemmDescriptor(m: rows, n: inFeatures, k: outFeatures), a: grad.storage, b: weight.storage, c: gx.storage)
                grads.append(gx)
            } else {
                grads.append(nil)
            }
            if weight.requiresGrad {
                let gw = try Tensor.empty(weight.shape, device: self.device)
                try backend.gemm(
                    GemmDescriptor(m: outFeatures, n: inFeatures, k: rows, transposeA: true), a: grad.storage, b: self.storage,
                    c: gw.storage)
                grads.append(gw)
            } else {
                grads.append(nil)
            }
            if let bias {
                guard bias.requiresGrad else { grads.append(nil); return grads }
                // Column sums of the gradient: ones[1, rows] * grad[rows, out].
                let ones = try Tensor.ones([rows], device: self.device)
                let gb = try Tensor.empty(bias.shape, device: self.device)
                try backend.gemm(GemmDescriptor(m: 1, n: outFeatures, k: rows), a: ones.storage, b: grad.storage, c: gb.storage)
                grads.append(gb)
            }
            return grads
        }
    }
}
