import FoveaCore

/// 2-D pooling of any kind over NCHW input; the stride defaults to the kernel size.
public class Pool2D: Module, UnaryLayer {
    public let kind: PoolKind
    public let kernelSize: Size2D, stride: Size2D, padding: Size2D

    public init(_ kind: PoolKind, kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0) {
        self.kind = kind
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        super.init()
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        try input.pool2d(kind, kernel: kernelSize, stride: stride, padding: padding)
    }
}

/// Maximum of each window.
public final class MaxPool2D: Pool2D {
    public init(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0) {
        super.init(.max, kernelSize: kernelSize, stride: stride, padding: padding)
    }
}

/// Mean of each window (padding counts as zeros, as PyTorch's default).
public final class AvgPool2D: Pool2D {
    public init(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0) {
        super.init(.average, kernelSize: kernelSize, stride: stride, padding: padding)
    }
}

/// Sum of each window.
public final class SumPool2D: Pool2D {
    public init(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0) {
        super.init(.sum, kernelSize: kernelSize, stride: stride, padding: padding)
    }
}

/// Minimum of each window.
public final class MinPool2D: Pool2D {
    public init(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0) {
        super.init(.min, kernelSize: kernelSize, stride: stride, padding: padding)
    }
}

/// L2 norm of each window: sqrt of the sum of squares.
public final class L2Pool2D: Pool2D {
    public init(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0) {
        super.init(.l2, kernelSize: kernelSize, stride: stride, padding: padding)
    }
}

/// Mean over all spatial positions: [N, C, H, W] -> [N, C].
public final class GlobalAvgPool2D: Module, UnaryLayer {
    public func forward(_ input: Tensor) throws -> Tensor { try input.globalAvgPool2d() }
}

/// PyTorch's `AdaptiveAvgPool2d`: averages [N, C, H, W] to [N, C, outputHeight, outputWidth] with the windows
/// `floor(i * H / out) ..< ceil((i + 1) * H / out)`. Sizes that divide evenly (H a multiple of the output, as
/// average pooling; or the output a multiple of H, each input cell repeated) are supported; others throw.
public final class AdaptiveAvgPool2D: Module, UnaryLayer {
    /// The height and width of the output.
    public let outputSize: Size2D

    /// Pools to `outputSize` (an integer for a square).
    public init(_ outputSize: Size2D) { self.outputSize = outputSize; super.init() }

    public func forward(_ input: Tensor) throws -> Tensor {
        guard input.rank == 4 else {
            throw FoveaError.invalidArgument("AdaptiveAvgPool2D: expected [N, C, H, W], got \(input.shape)")
        }
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (outH, outW) = (outputSize.height, outputSize.width)
        if h == outH && w == outW { return input }
        if h % outH == 0 && w % outW == 0 { return try input.avgPool2d(kernel: Size2D(height: h / outH, width: w / outW)) }
        if outH % h == 0 && outW % w == 0 {
            let (rows, columns) = (outH / h, outW / w)
            let ones = try Tensor.ones([1, 1, 1, rows, 1, columns], device: input.device)
            return try (input.reshaped(n, c, h, 1, w, 1) * ones).reshaped(n, c, outH, outW)
        }
        throw FoveaError.invalidArgument("AdaptiveAvgPool2D: \(h)x\(w) to \(outH)x\(outW) needs one size to divide the other")
    }
}
