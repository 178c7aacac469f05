import FoveaCore

/// 2-D pooling of any kind over NCHW input; the stride defaults to the kernel size.
public class Pool2D: Module {
    public let kind: PoolKind
    public let kernelSize: Size2D, stride: Size2D, padding: Size2D

    public init(_ kind: PoolKind, kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0) {
        self.kind = kind
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        super.init()
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        try input.pool2d(kind, kernel: kernelSize, stride: stride, padding: padding)
    }
}

/// Maximum of each window.
public final class MaxPool2D: Pool2D {
    public init(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0) { super.init(.max, kernelSize: kernelSize, stride: stride, padding: padding) }
}

/// Mean of each window (padding counts as zeros, as PyTorch's default).
public final class AvgPool2D: Pool2D {
    public init(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0) { super.init(.average, kernelSize: kernelSize, stride: stride, padding: padding) }
}

/// Sum of each window.
public final class SumPool2D: Pool2D {
    public init(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0) { super.init(.sum, kernelSize: kernelSize, stride: stride, padding: padding) }
}

/// Minimum of each window.
public final class MinPool2D: Pool2D {
    public init(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0) { super.init(.min, kernelSize: kernelSize, stride: stride, padding: padding) }
}

/// L2 norm of each window: sqrt of the sum of squares.
public final class L2Pool2D: Pool2D {
    public init(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0) { super.init(.l2, kernelSize: kernelSize, stride: stride, padding: padding) }
}

/// Mean over all spatial positions: [N, C, H, W] -> [N, C].
public final class GlobalAvgPool2D: Module {
    public override func forward(_ input: Tensor) throws -> Tensor { try input.globalAvgPool2d() }
}
