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
    /// 2026-12-01): Winograd takes 0.45-0.85x the time of columns from 32 channels on; with 3 input channels its
    /// transforms outweigh the products they save (1.7-3.3x slower); with 16 it is even, and its weight gradient 2-5% slower.
    public static func choice(for g: ConvolutionGeometry, pass: ConvolutionPass) -> Self {
        let channels = min(g.inChannels, g.outChannels)
        return WinogradTiles.supports(g) && channels >= (pass == .backwardWeight ? 32 : 16) ? .winograd : .columns
    }
}
