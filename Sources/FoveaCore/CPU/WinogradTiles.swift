import CVectorKernels

/// The tiles of Winograd's F(m x m, 3x3) convolution (Lavin and Gray, "Fast Algorithms for Convolutional Neural
/// Networks", 2016), m = 2 or 4, over a 3x3, stride-1, undilated, ungrouped geometry: each m x m block of outputs is
/// `A^T [(G g G^T) ⊙ (B^T d B)] A` for its (m + 2) x (m + 2) input patch d and the 3x3 filter g: 16 products for 4
/// outputs (F(2x2)), or 36 for 16 (F(4x4)), instead of 9 per output.
///
/// Tiles are numbered by image, tile row and tile column; they are processed in blocks of whole tile rows. A block's
/// transformed values lie in `slices` slices (one per position ξ = (m + 2) i + j of the transform), each a row-major
/// matrix [channels][blockTiles] (or the packed GEMM's panels of it), so that the products of a block are one GEMM per
/// slice. The transforms are `CVectorKernels`'s (`winograd.h`); the filter gradient's is here.
struct WinogradTiles {
    let g: ConvolutionGeometry
    /// Outputs per tile side (m: 2 or 4), and the slices of a block ((m + 2)^2).
    let tile: Int, slices: Int
    /// Tile rows and columns per image: the output rounded up to multiples of `tile`, divided by it.
    let tilesHigh: Int, tilesWide: Int
    /// Tile rows per block, and the tiles of a full block.
    let rowsPerBlock: Int, blockTiles: Int
    /// Blocks over the whole batch.
    let blockCount: Int

    /// Whether F(m x m, 3x3) computes this geometry.
    static func supports(_ g: ConvolutionGeometry) -> Bool {
        g.kernel == Size2D(3) && g.stride == Size2D(1) && g.dilation == Size2D(1) && g.groups == 1
            && g.output.height > 0 && g.output.width > 0
    }

    /// `tile` is m (2 or 4); `channels` the larger of the channel counts whose transforms a block keeps (it sizes the
    /// blocks).
    init(_ g: ConvolutionGeometry, tile: Int, channels: Int) {
        self.g = g
        self.tile = tile
        slices = (tile + 2) * (tile + 2)
        tilesHigh = (g.output.height + tile - 1) / tile
        tilesWide = (g.output.width + tile - 1) / tile
        // A block's slice pairs (a GEMM's operands: 16K floats each for F(2x2), 7K for F(4x4)) take 1 MB together, so
        // they stay in a core's L2; but F(4x4)'s blocks hold at least 128 tiles (measured, 64 -> 64 channels on 16x16,
        // batch 64: 112 tiles per block took 0.82x the time of 56, whose 36 GEMMs were too short).
        let wanted = max(tile == 4 ? 128 : 16, (1 << 18) / (slices * max(2 * channels, 1)))
        let rows = g.batch * tilesHigh
        rowsPerBlock = max(1, min(rows, wanted / tilesWide))
        blockTiles = rowsPerBlock * tilesWide
        blockCount = (rows + rowsPerBlock - 1) / rowsPerBlock
    }

    /// The tile rows of block `block`: indices n * tilesHigh + th.
    func rows(ofBlock block: Int) -> Range<Int> {
        let start = block * rowsPerBlock
        return start..<min(start + rowsPerBlock, g.batch * tilesHigh)
    }

    /// Calls `body(local, image, first, count)` for each image's part of a block: its tile rows first ..< first + count
    /// of image `image`, the first of them the block's tile row `local` (counting from 0).
    @inline(__always)
    func forEachImage(_ rows: Range<Int>, _ body: (Int, Int, Int, Int) -> Void) {
        var start = rows.lowerBound
        while start < rows.upperBound {
            let image = start / tilesHigh, end = min(rows.upperBound, (image + 1) * tilesHigh)
            body(start - rows.lowerBound, image, start % tilesHigh, end - start)
            start = end
        }
    }

    /// An input channel plane for the transforms of `CVectorKernels`.
    var inputTiles: fovea_tile_plane {
        fovea_tile_plane(
            height: Int32(g.height), width: Int32(g.width), pad_top: Int32(g.padding.height),
            pad_left: Int32(g.padding.width), tiles_wide: Int32(tilesWide), tile: Int32(tile))
    }

    /// An output (or output-gradient) channel plane for the transforms of `CVectorKernels`.
    var outputTiles: fovea_tile_plane {
        fovea_tile_plane(
            height: Int32(g.output.height), width: Int32(g.output.width), pad_top: 0, pad_left: 0,
            tiles_wide: Int32(tilesWide), tile: Int32(tile))
    }

    /// Floats of scratch the transforms of a block need.
    var transformScratchSize: Int {
        max(
            fovea_winograd_input_scratch(inputTiles, Int32(rowsPerBlock)),
            fovea_winograd_output_scratch(outputTiles, Int32(rowsPerBlock)),
            fovea_winograd_gradient_scratch(outputTiles, Int32(rowsPerBlock)))
    }

    // MARK: Filter transforms

    /// U[ξ][o][c] = (G g G^T)ξ for each filter g = weight[o][c] ([outChannels, inChannels, 3, 3]); when `flipped`, for
    /// the filters of the input gradient instead: U[ξ][c][o] from weight[o][c] turned by 180 degrees.
    func transformFilters(
        _ weight: UnsafePointer<Float>, outChannels: Int, inChannels: Int, flipped: Bool,
        into u: UnsafeMutablePointer<Float>
    ) {
        let slice = outChannels * inChannels, run = 16, (tile, slices) = (Int32(self.tile), self.slices)
        // In the order of U's slices (flipped filters read in a stride instead), `run` filters at a time: their values
        // are gathered first, then every slice gets its `run` values in one go; a value at a time, the slices, a
        // multiple of 4 KiB apart, evicted each other from the level-1 cache.
        parallelFor(slice, grain: 4096) { range in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: slices * run) { values in
                var start = range.lowerBound
                while start < range.upperBound {
                    let count = min(run, range.upperBound - start)
                    for k in 0..<count {
                        let index = start + k
                        let (o, c) =
                            flipped ? (index % outChannels, index / outChannels) : (index / inChannels, index % inChannels)
                        fovea_winograd_filter(
                            tile, weight + (o * inChannels + c) * 9, flipped ? 1 : 0, values.baseAddress! + k, run)
                    }
                    for xi in 0..<slices {
                        (u + xi * slice + start).update(from: values.baseAddress! + xi * run, count: count)
                    }
                    start += count
                }
            }
        }
    }

    /// weight[o][c] = G^T dU[ξ][o][c] G: the filter gradient from its transformed sums dU ([slices][outChannels]
    /// [inChannels]), the adjoint of `transformFilters`.
    func untransformFilterGradient(
        _ du: UnsafePointer<Float>, outChannels: Int, inChannels: Int, into weight: UnsafeMutablePointer<Float>
    ) {
        let slice = outChannels * inChannels
        for pair in 0..<slice { fovea_winograd_filter_gradient(Int32(tile), du + pair, slice, weight + pair * 9) }
    }
}
