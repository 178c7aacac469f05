/// 2-D pooling over NCHW inputs.
extension Tensor {
    /// Reduces each `kernel` window of every channel with `kind`. `stride` defaults to the kernel; `padding` (at most half
    /// the kernel) is added on every side with PyTorch's semantics: max/min ignore it, average counts it as zeros in the
    /// window size (count_include_pad), sum and L2 treat it as zeros.
    public func pool2d(_ kind: PoolKind, kernel: Size2D, stride: Size2D? = nil, padding: Size2D = 0) throws -> Tensor {
        try requireDType(.float32, op: "\(kind)Pool2d")
        if !isDense { return try dense().pool2d(kind, kernel: kernel, stride: stride, padding: padding) }
        let stride = stride ?? kernel
        guard rank == 4 else { throw FoveaError.invalidArgument("\(kind)Pool2d: expected an NCHW input, got shape \(shape)") }
        guard kernel.height >= 1, kernel.width >= 1, stride.height >= 1, stride.width >= 1 else {
            throw FoveaError.invalidArgument("\(kind)Pool2d: kernel \(kernel) and stride \(stride) must be at least 1")
        }
        guard padding.height >= 0, padding.width >= 0, padding.height <= kernel.height / 2, padding.width <= kernel.width / 2
        else {
            throw FoveaError.invalidArgument("\(kind)Pool2d: padding \(padding) must be between 0 and half the kernel \(kernel)")
        }
        let padded = Size2D(height: shape[2] + 2 * padding.height, width: shape[3] + 2 * padding.width)
        guard kernel.height <= padded.height, kernel.width <= padded.width else {
            throw FoveaError.invalidArgument(
                "\(kind)Pool2d: kernel \(kernel) is larger than the padded input \(padded) (input \(shape), padding \(padding))")
        }
        let output = Size2D(
            height: (padded.height - kernel.height) / stride.height + 1,
            width: (padded.width - kernel.width) / stride.width + 1)
        let geometry = PoolingGeometry(
            planes: shape[0] * shape[1], height: shape[2], width: shape[3],
            kernel: kernel, stride: stride, padding: padding, output: output)
        let result = try Tensor.empty([shape[0], shape[1], output.height, output.width], device: device)
        try backend.pool2d(kind, storage, geometry: geometry, into: result.storage)
        return record(result, op: "\(kind)Pool2d", inputs: [self], saving: .inputsAndOutputs) { [self] grad, output in
            let g = try Tensor.empty(self.shape, device: self.device)
            try grad.backend.pool2dBackward(
                kind, gradOutput: grad.storage, input: self.storage, output: output.storage,
                geometry: geometry, into: g.storage)
            return [g]
        }
    }

    /// Max pooling (PyTorch's `max_pool2d`).
    public func maxPool2d(kernel: Size2D, stride: Size2D? = nil, padding: Size2D = 0) throws -> Tensor {
        try pool2d(.max, kernel: kernel, stride: stride, padding: padding)
    }

    /// Average pooling (PyTorch's `avg_pool2d` with count_include_pad=True).
    public func avgPool2d(kernel: Size2D, stride: Size2D? = nil, padding: Size2D = 0) throws -> Tensor {
        try pool2d(.average, kernel: kernel, stride: stride, padding: padding)
    }

    /// The mean of each channel: [N, C, H, W] -> [N, C].
    public func globalAvgPool2d() throws -> Tensor {
        guard rank == 4 else { throw FoveaError.invalidArgument("globalAvgPool2d: expected an NCHW input, got shape \(shape)") }
        return try pool2d(.average, kernel: Size2D(height: shape[2], width: shape[3])).reshaped([shape[0], shape[1]])
    }
}
