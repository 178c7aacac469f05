/// One of a convolution's three passes.
public enum ConvolutionPass: String, CaseIterable, Sendable {
    case forward, backwardData, backwardWeight
}

/// The CPU backend's convolution algorithms (ARCHITECTURE.md, decision 8). `choice(for:pass:)` picks one per pass and
/// shape; `fovea-bench --suite conv-algo` times every algorithm on the zoo's shapes next to that choice.
public enum CPUConvolutionAlgorithm: String, CaseIterable, Sendable {
    /// Per-image unfold (im2col) and the packed GEMM of `CVectorKernels`: every geometry.
    case columns
    /// Winograd's F(2x2, 3x3), 16 GEMMs over transformed tiles: 3x3 kernels, stride 1, no dilation, no groups.
    case winograd
    /// Direct convolution, each kernel offset a vector load shared by a block of output channels: stride 1, no
    /// dilation, no groups, any kernel size.
    case direct

    /// Whether the algorithm computes `g`.
    public func supports(_ g: ConvolutionGeometry) -> Bool {
        switch self {
        case .columns: true
        case .winograd: WinogradTiles.supports(g)
        case .direct: g.stride == Size2D(1) && g.dilation == Size2D(1) && g.groups == 1
        }
    }

    /// The algorithm the CPU backend runs for `pass` of `g`, as measured with `fovea-bench --clock cpu --suite
    /// conv-algo --batch 32,64,128` (Benchmarks/RESULTS.md, 2026-12-01):
    /// - Direct convolution for inputs of up to 8 channels, forward and input gradient (LeNet-5's 1 -> 6 forward 0.25x
    ///   the time of columns, its 6 -> 16 0.53x, 3 -> 16 and 3 -> 32 on 32x32 0.52-0.67x; input gradients into 1, 3 and
    ///   6 channels 0.75-0.94x), and for the weight gradient of inputs of up to 6 channels (0.60-1.0x; level with
    ///   columns at 16 -> 16, slower from 32 channels on). Kernels larger than 1x1 only.
    /// - Winograd F(2x2, 3x3) forward from 16 output channels and input gradient from 16 channels (0.2-0.8x columns),
    ///   its weight gradient from 128 channels (0.77-0.85x). Between, columns' weight gradient takes 0.4-1.0x
    ///   Winograd's time (few output channels summed as dot products, more on the packed AVX-512 GEMM).
    public static func choice(for g: ConvolutionGeometry, pass: ConvolutionPass) -> Self {
        if CPUConvolutionAlgorithm.direct.supports(g), g.kernel.height * g.kernel.width > 1 {
            switch pass {
            case .forward where g.inChannels <= 8, .backwardData where g.inChannels <= 8,
                .backwardWeight where g.inChannels <= 6:
                return .direct
            default: break
            }
        }
        guard WinogradTiles.supports(g) else { return .columns }
        let channels = min(g.inChannels, g.outChannels)
        switch pass {
        case .forward: return g.outChannels >= 16 ? .winograd : .columns
        case .backwardData: return channels >= 16 ? .winograd : .columns
        case .backwardWeight: return channels >= 128 ? .winograd : .columns
        }
    }
}
