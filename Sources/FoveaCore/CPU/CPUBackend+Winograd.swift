import CVectorKernels

/// The convolution passes by Winograd's F(m x m, 3x3) (`WinogradTiles`; m = 2 or 4): each core transforms a block of tile rows, runs the block's GEMMs (one per slice) and transforms
/// the products back, so a block's transforms stay in cache for its GEMMs. The transforms (`CVectorKernels`, at
/// `simdLevel`) go channel by channel, down the block's tile rows of each image. The forward's input transform writes
/// the panels of the packed GEMM (`fovea_packed_gemm`) that multiplies them. The input gradient is the same
/// correlation on the output gradient, with the filters turned and their channels swapped.
extension CPUBackend {
    /// The forward by F(tile x tile, 3x3).
    func winogradConv2d(
        _ x: Storage, weight: Storage, bias: Storage?, geometry g: ConvolutionGeometry, tile: Int, into y: Storage
    ) throws {
        try winogradCorrelate(
            x, weight: weight, flipped: false, bias: bias,
            tiles: WinogradTiles(g, tile: tile, channels: max(g.inChannels, g.outChannels)),
            into: y)
    }

    /// The input gradient by F(tile x tile, 3x3).
    func winogradConv2dBackwardData(
        _ gradOutput: Storage, weight: Storage, geometry g: ConvolutionGeometry, tile: Int, into gradInput: Storage
    ) throws {
        // gradInput[c] = sum over o of gradOutput[o] correlated with weight[o][c] turned by 180 degrees, padded by 2 - padding.
        let transposed = ConvolutionGeometry(
            batch: g.batch, inChannels: g.outChannels, height: g.output.height,
            width: g.output.width, outChannels: g.inChannels, kernel: 3, stride: 1,
            padding: Size2D(height: 2 - g.padding.height, width: 2 - g.padding.width),
            dilation: 1, groups: 1, output: Size2D(height: g.height, width: g.width))
        try winogradCorrelate(
            gradOutput, weight: weight, flipped: true, bias: nil,
            tiles: WinogradTiles(transposed, tile: tile, channels: max(g.inChannels, g.outChannels)), into: gradInput)
    }

    /// Each core sums its blocks' products into its own transformed gradient; the sums are added in a fixed order. With
    /// few channels a block holds many tiles, and each product runs along them (`fovea_dot_gemm`: both operands' rows
    /// are tiles, so neither is packed); with more, each right-hand side (a slice of transformed inputs, transposed) is
    /// packed for the packed GEMM first.
    func winogradConv2dBackwardWeight(
        _ gradOutput: Storage, input: Storage, geometry g: ConvolutionGeometry, tile: Int, into gradWeight: Storage
    ) throws {
        let (cin, cout) = (g.inChannels, g.outChannels)
        let tiles = WinogradTiles(g, tile: tile, channels: max(cin, cout))
        guard tiles.blockCount > 0 else { Self.zero(Self.pointer(gradWeight), count: cout * cin * 9); return }
        let (tb, slices) = (tiles.blockTiles, tiles.slices)
        let sums = slices * cout * cin, level = Self.gemmLevel(columns: cin)
        let (inputSize, gradientSize) = (slices * cin * tb, slices * cout * tb)
        let alongTiles = max(cin, cout) <= 32
        let packedSize = alongTiles ? 0 : fovea_packed_floats(level, Int32(tb), Int32(cin))
        let partSize = sums + inputSize + gradientSize + packedSize + tiles.transformScratchSize
        let parts = min(Self.workers, tiles.blockCount)
        let scratch = try allocate(parts * partSize)
        let base = Self.pointer(scratch), x = Self.pointer(input), gy = Self.pointer(gradOutput)
        let plane = tiles.outputTiles, gradientLayout = Self.rowMajor(channels: cout, tiles: tb)
        parallelParts(tiles.blockCount, parts: parts) { part, blocks in
            let du = base + part * partSize, v = du + sums, mg = v + inputSize, packed = mg + gradientSize
            let lanes = packed + packedSize
            for block in blocks {
                let rows = tiles.rows(ofBlock: block)
                transformInputs(
                    x, tiles, rows: rows, scratch: lanes, into: v, Self.rowMajor(channels: cin, tiles: tb), channelStride: tb)
                for o in 0..<cout {
                    tiles.forEachImage(rows) { local, image, first, count in
                        fovea_winograd_gradient(
                            Self.simdLevel, gy + (image * cout + o) * g.outputPlane, plane, Int32(first), Int32(count),
                            lanes, mg + o * tb, gradientLayout, Int32(local * tiles.tilesWide))
                    }
                }
                let n = Int32(rows.count * tiles.tilesWide), beta: Float = block == blocks.lowerBound ? 0 : 1
                for xi in 0..<slices {
                    // du[xi] (cout x cin) += mg[xi] (cout x n) * v[xi]^T (n x cin)
                    let (gradients, inputs, sum) = (mg + xi * cout * tb, v + xi * cin * tb, du + xi * cout * cin)
                    if alongTiles {
                        fovea_dot_gemm(
                            Self.simdLevel, Int32(cout), Int32(cin), n, gradients, tb, inputs, tb, beta, sum, cin)
                    } else {
                        fovea_pack(level, n, Int32(cin), inputs, Int32(tb), 1, packed)
                        fovea_packed_gemm(
                            level, Int32(cout), Int32(cin), n, gradients, Int32(tb), 0, packed, beta, sum, Int32(cin))
                    }
                }
            }
        }
        for part in 1..<parts { Self.accumulate(base + part * partSize, into: base, count: sums) }
        tiles.untransformFilterGradient(base, outChannels: cout, inChannels: cin, into: Self.pointer(gradWeight))
    }

    /// y = the correlation of x with `weight` (turned and with its channels swapped when `flipped`) over `tiles`'s
    /// geometry, plus bias.
    private func winogradCorrelate(
        _ x: Storage, weight: Storage, flipped: Bool, bias: Storage?, tiles: WinogradTiles, into y: Storage
    ) throws {
        let g = tiles.g, (cin, cout, level, slices) = (g.inChannels, g.outChannels, Self.simdLevel, tiles.slices)
        guard tiles.blockCount > 0 else { return }
        let filters = try allocate(slices * cout * cin), u = UnsafePointer(Self.pointer(filters))
        // The weight is [cin][cout] (a forward's [outChannels][inChannels]) when flipped.
        tiles.transformFilters(
            Self.pointer(weight), outChannels: flipped ? cin : cout, inChannels: flipped ? cout : cin, flipped: flipped,
            into: Self.pointer(filters))
        let tb = tiles.blockTiles
        // Each slice of transformed inputs is the packed right-hand side (cin x tiles) of its GEMM.
        let width = Int(fovea_panel_width(level)), packedSlice = cin * ((tb + width - 1) / width * width)
        let layout = fovea_tile_layout(slice_stride: packedSlice, panel_stride: width * cin, panel_width: Int32(width))
        let (inputSize, productSize) = (slices * packedSlice, slices * cout * tb)
        let partSize = inputSize + productSize + tiles.transformScratchSize
        let parts = min(Self.workers, tiles.blockCount)
        let scratch = try allocate(parts * partSize)
        let base = Self.pointer(scratch), plane = tiles.outputTiles, input = Self.pointer(x), output = Self.pointer(y)
        let bias = bias.map(Self.pointer)
        parallelParts(tiles.blockCount, parts: parts) { part, blocks in
            let v = base + part * partSize, m = v + inputSize, lanes = m + productSize
            for block in blocks {
                let rows = tiles.rows(ofBlock: block)
                transformInputs(input, tiles, rows: rows, scratch: lanes, into: v, layout, channelStride: width)
                let n = rows.count * tiles.tilesWide
                for xi in 0..<slices {
                    // m[xi] (cout x n) = u[xi] (cout x cin) * v[xi] (cin x n)
                    fovea_packed_gemm(
                        level, Int32(cout), Int32(n), Int32(cin), u + xi * cout * cin, Int32(cin), 0, v + xi * packedSlice,
                        0, m + xi * cout * tb, Int32(tb))
                }
                for o in 0..<cout {
                    tiles.forEachImage(rows) { local, image, first, count in
                        fovea_winograd_output(
                            level, m + o * tb + local * tiles.tilesWide, cout * tb, plane, Int32(first), Int32(count),
                            bias?[o] ?? 0, lanes, output + (image * cout + o) * g.outputPlane)
                    }
                }
            }
        }
    }

    /// The widest SIMD level whose packed panels `columns` columns fill more than half (16 columns run on AVX2's
    /// panels of 16 rather than AVX-512's of 32).
    private static func gemmLevel(columns: Int) -> Int32 {
        var level = simdLevel
        while level > 0 && 2 * columns <= Int(fovea_panel_width(level)) { level -= 1 }
        return level
    }

    /// A block's slices as row-major matrices [channels][tiles].
    private static func rowMajor(channels: Int, tiles: Int) -> fovea_tile_layout {
        fovea_tile_layout(slice_stride: channels * tiles, panel_stride: 0, panel_width: Int32(tiles))
    }

    /// The transformed input patches of tile rows `rows` (a block) into its slices, in `layout`, channel c's values
    /// from v + c * channelStride (its row of a slice, or of each panel).
    private func transformInputs(
        _ x: UnsafePointer<Float>, _ tiles: WinogradTiles, rows: Range<Int>, scratch: UnsafeMutablePointer<Float>,
        into v: UnsafeMutablePointer<Float>, _ layout: fovea_tile_layout, channelStride: Int
    ) {
        let (cin, plane, inputTiles) = (tiles.g.inChannels, tiles.g.height * tiles.g.width, tiles.inputTiles)
        for c in 0..<cin {
            tiles.forEachImage(rows) { local, image, first, count in
                fovea_winograd_input(
                    Self.simdLevel, x + (image * cin + c) * plane, inputTiles, Int32(first), Int32(count), scratch,
                    v + c * channelStride, layout, Int32(local * tiles.tilesWide))
            }
        }
    }
}
