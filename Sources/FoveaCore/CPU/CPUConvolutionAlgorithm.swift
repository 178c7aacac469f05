/// One of a convolution's three passes.
public enum ConvolutionPass: String, CaseIterable, Sendable {
    case forward, backwardData, backwardWeight
}

/// The CPU backend's convolution algorithms (ARCHITECTURE.md, decision 8). `choice(for:pass:)` picks one per pass and
/// shape; `fovea-bench --suite conv-algo` times every algorithm on the zoo's shapes next to that choice.
public enum CPUConvolutionAlgorithm: String, CaseIterable, Sendable {
    /// Per-image unfold (im2col) and OpenBLAS GEMM: every geometry.
    case columns
    /// Winograd's F(2x2, 3x3), 16 GEMMs over transformed tiles: 3x3 kernels, stride 1, no dilation, no groups.
    case winograd

    /// Whether the algorithm computes `g`.
    public func supports(_ g: ConvolutionGeometry) -> Bool {
        switch self {
        case .columns: true
        case .winograd: WinogradTiles.supports(g)
        }
    }

    /// The algorithm the CPU backend runs for `pass` of `g`.
    ///
    /// Measured with `fovea-bench --clock cpu --suite conv-algo --batch 32,64,128` (Benchmarks/RESULTS.md,
    /// 2026-12-01, with the transforms and GEMMs in `CVectorKernels`): Winograd takes 0.2-0.8x the time of columns from
    /// 16 channels on (its weight gradient 0.8x at 16); with 3 input channels its forward 0.4-0.8x, but its input
    /// gradient (3 output channels) 1.3-1.4x and its weight gradient 2.4x.
    public static func choice(for g: ConvolutionGeometry, pass: ConvolutionPass) -> Self {
        guard WinogradTiles.supports(g) else { return .columns }
        if pass == .forward { return g.inChannels >= 3 && g.outChannels >= 16 ? .winograd : .columns }
        return min(g.inChannels, g.outChannels) >= 16 ? .winograd : .columns
    }
}
