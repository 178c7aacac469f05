import CVectorKernels

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
    /// geometries of `winograd`.
    case winograd4
    /// Direct convolution, each output plane a run along its padded rows and each kernel offset a load of a few vectors
    /// shared by a block of output channels: no dilation, no groups, any kernel size; strided layers (read through
    /// phase planes) forward and weight gradient only.
    case direct

    /// Whether the algorithm computes `pass` of `g`.
    public func supports(_ g: ConvolutionGeometry, pass: ConvolutionPass) -> Bool {
        switch self {
        case .columns: true
        case .winograd: WinogradTiles.supports(g)
        case .winograd4: WinogradTiles.supports(g)
        case .direct: g.dilation == Size2D(1) && g.groups == 1 && (pass != .backwardData || g.stride == Size2D(1))
        }
    }

    /// The algorithm the CPU backend runs for `pass` of `g`, as measured with `fovea-bench --suite conv-algo --batch
    /// 32,64,128` (Benchmarks/RESULTS.md, 2026-12-01):
    /// - Direct convolution for inputs of up to 8 channels, forward and input gradient (LeNet-5's 1 -> 6 forward 0.25x
    ///   the time of columns, its 6 -> 16 0.53x, 3 -> 16 and 3 -> 32 on 32x32 0.52-0.67x; input gradients into 1, 3 and
    ///   6 channels 0.75-0.94x), the forward of strided layers of up to 32 input channels (3x3 stride 2, 16 -> 32 and
    ///   32 -> 64: 0.67-0.79x), and the weight gradient of inputs of up to 6 channels (0.60-1.0x; level with columns at
    ///   16 -> 16, slower from 32 channels on). Kernels larger than 1x1 only.
    /// - Winograd F(2x2, 3x3) takes 0.2-0.8x the time of columns from 16 channels on; its weight gradient only from 128
    ///   channels (128 -> 128 on 8x8: 0.77-0.85x), columns' taking 0.4-1.0x Winograd's below (few output channels summed
    ///   as dot products, more on the packed AVX-512 GEMM).
    /// - F(4x4, 3x3) (transforms vectorized across the tiles of several tile rows where one row does not fill a
    ///   vector): on 16x16 and 32x32 planes it takes 0.78-0.91x F(2x2)'s time at 16 channels (resnet1), 0.81-0.97x at
    ///   32 to 64 (vgg3, vgg4; resnet3 and vgg2 0.70-1.13x, mostly below 1); on 8x8 planes (resnet5, vgg5, vgg6)
    ///   1.1-2.3x (4 tiles per image): F(4x4) where the pass's output plane is at least 16x16. With 9 to 15 input
    ///   channels its forward is taken to 16 output channels, columns beyond. Its weight gradient takes 0.75-0.83x
    ///   columns' time at 64 -> 64 channels on 16x16 (vgg4) and 0.92-1.10x at 32 -> 64 (vgg3), but 1.06-1.25x at 16 and
    ///   32 channels (resnet1, resnet3: the transforms outweigh the products they save) and 1.5x on 8x8 planes: F(4x4)
    ///   for weight gradients of at least 64 channels on planes of 16x16 and more.
    /// - Without AVX-512 (`simdLevel` AVX2: 8-lane direct kernels), the input gradient by direct convolution wins only
    ///   into 1 channel (LeNet-5's 1 -> 6: 0.80-0.86x columns' time); into 3 and 6 channels it took 1.15-1.66x (six
    ///   of six shapes and batches, 2026-12-02, an AMD EPYC VM without AVX-512): columns from 2 channels there. The
    ///   forward of strided layers of 9 to 32 input channels by direct convolution took 1.28-1.51x columns' time there
    ///   (resnet-small's 16 -> 32 and 32 -> 64, batch 32, 64 and 128, 2026-12-02): columns there too.
    public static func choice(for g: ConvolutionGeometry, pass: ConvolutionPass) -> Self {
        choice(for: g, pass: pass, simdLevel: CPUBackend.simdLevel)
    }

    /// `choice(for:pass:)` on a CPU of SIMD level `simdLevel` (`fovea_simd_level`).
    static func choice(for g: ConvolutionGeometry, pass: ConvolutionPass, simdLevel: Int32) -> Self {
        if CPUConvolutionAlgorithm.direct.supports(g, pass: pass), g.kernel.height * g.kernel.width > 1 {
            let strided = g.stride != Size2D(1)
            let avx512 = simdLevel >= Int32(FOVEA_SIMD_AVX512.rawValue)
            let directInputGradient = avx512 ? 8 : 1
            switch pass {
            case .forward where g.inChannels <= 8 || (avx512 && strided && g.inChannels <= 32),
                .backwardData where g.inChannels <= directInputGradient, .backwardWeight where g.inChannels <= 6:
                return .direct
            default: break
            }
        }
        guard WinogradTiles.supports(g) else { return .columns }
        let channels = min(g.inChannels, g.outChannels)
        /// F(4x4) or F(2x2) by the size of the plane the pass computes.
        func winograd(_ plane: Size2D) -> Self { min(plane.height, plane.width) >= 16 ? .winograd4 : .winograd }
        switch pass {
        case .forward:
            guard g.inChannels >= 3 && g.outChannels >= 16 else { return .columns }
            return g.inChannels >= 16 ? winograd(g.output) : g.outChannels <= 16 ? .winograd4 : .columns
        case .backwardData: return channels >= 16 ? winograd(Size2D(height: g.height, width: g.width)) : .columns
        case .backwardWeight:
            if channels >= 64 && min(g.output.height, g.output.width) >= 16 { return .winograd4 }
            return channels >= 128 ? .winograd : .columns
        }
    }
}
