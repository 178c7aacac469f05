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
    /// Winograd's F(4x4, 3x3), 36 GEMMs over transformed tiles (2.25 products per output instead of F(2x2)'s 4): the
    /// geometries of `winograd`, forward and input gradient only (no weight gradient).
    case winograd4

    /// Whether the algorithm computes `pass` of `g`.
    public func supports(_ g: ConvolutionGeometry, pass: ConvolutionPass) -> Bool {
        switch self {
        case .columns: true
        case .winograd: WinogradTiles.supports(g)
        case .winograd4: WinogradTiles.supports(g) && pass != .backwardWeight
        }
    }

    /// The algorithm the CPU backend runs for `pass` of `g`.
    ///
    /// Measured with `fovea-bench --clock cpu --suite conv-algo --batch 32,64,128` (Benchmarks/RESULTS.md,
    /// 2026-12-01, with the transforms and GEMMs in `CVectorKernels`): Winograd takes 0.2-0.8x the time of columns from
    /// 16 channels on (its weight gradient 0.8x at 16); with 3 input channels its forward 0.4-0.8x, but its input
    /// gradient (3 output channels) 1.3-1.4x and its weight gradient 2.4x. Once columns ran its GEMMs on the packed
    /// AVX-512 GEMM (2026-12-01, batches 32, 64 and 128, load 2-3), its weight gradient took 0.55-1.00x Winograd's from
    /// 32 to 64 channels (64 -> 64 on 16x16 up to 1.10x, within the harness's 10%), while Winograd's kept its lead from
    /// 128 channels on (128 -> 128 on 8x8: 0.77-0.85x of columns) and, with its dot-product GEMM, at 16 output channels
    /// (16 -> 16 on 32x32: 0.76-0.89x), where columns' GEMM runs on panels of 16 (AVX2) rather than 32.
    ///
    /// F(4x4, 3x3) (2026-12-01, batches 32, 64 and 128, wall clock, load 1-2.5 from other builds; transforms
    /// vectorized across the tiles of several tile rows where one row does not fill a vector): on 16x16 and 32x32
    /// planes it takes 0.78-0.91x F(2x2)'s time at 16 channels (resnet1), 0.81-0.97x at 32 to 64 (vgg3, vgg4; resnet3
    /// and vgg2 0.70-1.13x, mostly below 1); on 8x8 planes (resnet5, vgg5, vgg6) 1.1-2.3x (4 tiles per image): F(4x4)
    /// where the pass's output plane is at least 16x16. With 3 input channels its forward takes 0.72-0.75x of columns
    /// to 16 output channels (resnet6) but 0.97-1.35x to 32 (vgg1), where columns stays.
    public static func choice(for g: ConvolutionGeometry, pass: ConvolutionPass) -> Self {
        guard WinogradTiles.supports(g) else { return .columns }
        let channels = min(g.inChannels, g.outChannels)
        /// F(4x4) or F(2x2) by the size of the plane the pass computes.
        func winograd(_ plane: Size2D) -> Self { min(plane.height, plane.width) >= 16 ? .winograd4 : .winograd }
        switch pass {
        case .forward:
            guard g.inChannels >= 3 && g.outChannels >= 16 else { return .columns }
            return g.inChannels >= 16 ? winograd(g.output) : g.outChannels <= 16 ? .winograd4 : .columns
        case .backwardData: return channels >= 16 ? winograd(Size2D(height: g.height, width: g.width)) : .columns
        case .backwardWeight: return channels >= 16 && (channels >= 128 || g.outChannels <= 16) ? .winograd : .columns
        }
    }
}
