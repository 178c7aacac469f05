/// How much zero padding a convolution adds around its input. `padding: 2` and `padding: [1, 2]` are `.explicit`.
public enum Padding: Hashable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral {
    /// No padding.
    case valid
    /// Pads so that the output keeps the input's size (stride 1 only), as PyTorch: an odd total padding puts the
    /// extra row (column) at the bottom (right).
    case same
    /// The same amount above and below (`height`), left and right (`width`).
    case explicit(Size2D)

    public init(integerLiteral value: Int) { self = .explicit(Size2D(value)) }

    /// `[side]` or `[height, width]`.
    public init(arrayLiteral elements: Int...) {
        precondition(elements.count == 1 || elements.count == 2, "Padding: expected [side] or [height, width], got \(elements)")
        self = .explicit(Size2D(height: elements[0], width: elements[elements.count - 1]))
    }
}

/// 2-D convolution (cross-correlation, as in PyTorch) through im2col + GEMM.
extension Tensor {
    /// Convolves this NCHW input with `weight` [outChannels, inChannels / groups, kh, kw], adds `bias` [outChannels] and
    /// applies `activation` in the same pass (`conv2d(...).relu()` as one op: one kernel fewer each way on OpenCL, and
    /// the bias gradient taken in the activation's backward).
    ///
    /// Gradients flow to the input, the weight and the bias.
    public func conv2d(
        weight: Tensor, bias: Tensor? = nil, stride: Size2D = 1, padding: Padding = .valid,
        dilation: Size2D = 1, groups: Int = 1, activation: ConvolutionActivation = .identity
    ) throws -> Tensor {
        try requireDType(.float32, op: "conv2d")
        if !isDense {
            return try dense().conv2d(
                weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups,
                activation: activation)
        }
        let geometry = try convolutionGeometry(
            weight: weight, bias: bias, stride: stride, padding: padding,
            dilation: dilation, groups: groups)
        let result = try Tensor.empty(
            [geometry.batch, geometry.outChannels, geometry.output.height, geometry.output.width],
            device: device)
        if activation == .identity {
            try backend.conv2d(storage, weight: weight.storage, bias: bias?.storage, geometry: geometry, into: result.storage)
        } else {
            try backend.conv2d(
                storage, weight: weight.storage, bias: bias?.storage, activation: activation, geometry: geometry,
                into: result.storage)
        }
        let inputs = [self, weight] + (bias.map { [$0] } ?? [])
        let op = activation == .identity ? "conv2d" : "conv2d+\(activation)"
        // The activation's gradient reads the output.
        let saved = SavedForBackward.operands(self, weight, outputs: activation != .identity)
        return record(result, op: op, inputs: inputs, saving: saved) { [self] grad, output in
            let backend = try grad.backend
            let gradBias = try bias.flatMap { $0.requiresGrad ? try Tensor.empty($0.shape, device: $0.device) : nil }
            // The gradient before the activation: what the convolution's own backward takes.
            var preActivation = grad
            if activation != .identity {
                preActivation = try Tensor.empty(output.shape, device: output.device)
                try backend.conv2dActivationBackward(
                    grad.storage, output: output.storage, activation: activation, geometry: geometry,
                    gradPreActivation: preActivation.storage, gradBias: gradBias?.storage)
            } else if let gradBias {
                try backend.conv2dBackwardBias(grad.storage, geometry: geometry, into: gradBias.storage)
            }
            var grads: [Tensor?] = [nil, nil]
            if self.requiresGrad {
                let g = try Tensor.empty(self.shape, device: self.device)
                try backend.conv2dBackwardData(preActivation.storage, weight: weight.storage, geometry: geometry, into: g.storage)
                grads[0] = g
            }
            if weight.requiresGrad {
                let g = try Tensor.empty(weight.shape, device: weight.device)
                try backend.conv2dBackwardWeight(preActivation.storage, input: self.storage, geometry: geometry, into: g.storage)
                grads[1] = g
            }
            if bias != nil { grads.append(gradBias) }
            return grads
        }
    }

    /// Validates a convolution's operands and resolves its padding and output size.
    private func convolutionGeometry(
        weight: Tensor, bias: Tensor?, stride: Size2D, padding: Padding,
        dilation: Size2D, groups: Int
    ) throws -> ConvolutionGeometry {
        try checkSameDevice(weight, op: "conv2d")
        if let bias { try checkSameDevice(bias, op: "conv2d") }
        guard rank == 4, weight.rank == 4 else {
            throw FoveaError.invalidArgument(
                "conv2d: expected an NCHW input and a [out, in / groups, kh, kw] weight, got input \(shape) and weight \(weight.shape)"
            )
        }
        let (batch, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let (outChannels, groupChannels, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
        guard groups >= 1, outChannels >= 1, groupChannels >= 1, kh >= 1, kw >= 1 else {
            throw FoveaError.invalidArgument("conv2d: empty weight \(weight.shape) or groups \(groups) < 1 (input \(shape))")
        }
        guard groupChannels * groups == channels else { throw FoveaError.shapeMismatch(op: "conv2d", shape, weight.shape) }
        guard outChannels % groups == 0 else {
            throw FoveaError.invalidArgument(
                "conv2d: \(outChannels) output channels of weight \(weight.shape) do not split into \(groups) groups")
        }
        if let bias, bias.shape != [outChannels] { throw FoveaError.shapeMismatch(op: "conv2d bias", weight.shape, bias.shape) }
        guard stride.height >= 1, stride.width >= 1, dilation.height >= 1, dilation.width >= 1 else {
            throw FoveaError.invalidArgument("conv2d: stride \(stride) and dilation \(dilation) must be at least 1")
        }
        let extent = Size2D(height: dilation.height * (kh - 1) + 1, width: dilation.width * (kw - 1) + 1)
        let top: Int, left: Int, padded: Size2D
        switch padding {
        case .valid:
            (top, left, padded) = (0, 0, Size2D(height: height, width: width))
        case .same:
            guard stride == 1 else {
                throw FoveaError.invalidArgument("conv2d: padding .same needs stride 1, got stride \(stride)")
            }
            // Total padding extent - 1 keeps the size; the odd one goes below / to the right.
            (top, left) = ((extent.height - 1) / 2, (extent.width - 1) / 2)
            padded = Size2D(height: height + extent.height - 1, width: width + extent.width - 1)
        case .explicit(let p):
            guard p.height >= 0, p.width >= 0 else { throw FoveaError.invalidArgument("conv2d: negative padding \(p)") }
            (top, left, padded) = (p.height, p.width, Size2D(height: height + 2 * p.height, width: width + 2 * p.width))
        }
        guard extent.height <= padded.height, extent.width <= padded.width else {
            throw FoveaError.invalidArgument(
                "conv2d: kernel \(kh)x\(kw) (extent \(extent) with dilation \(dilation)) is larger than "
                    + "the padded input \(padded) (input \(shape), weight \(weight.shape), padding \(padding))")
        }
        let output = Size2D(
            height: (padded.height - extent.height) / stride.height + 1,
            width: (padded.width - extent.width) / stride.width + 1)
        return ConvolutionGeometry(
            batch: batch, inChannels: channels, height: height, width: width, outChannels: outChannels,
            kernel: Size2D(height: kh, width: kw), stride: stride, padding: Size2D(height: top, width: left),
            dilation: dilation, groups: groups, output: output)
    }
}
