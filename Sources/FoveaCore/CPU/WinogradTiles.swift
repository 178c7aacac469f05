import CVectorKernels

/// The tiles of Winograd's F(2x2, 3x3) convolution (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks",
/// 2016) over a 3x3, stride-1, undilated, ungrouped geometry: each 2x2 block of outputs is
/// `A^T [(G g G^T) ⊙ (B^T d B)] A` for its 4x4 input patch d and the 3x3 filter g, 16 products instead of 36.
///
/// Tiles are numbered by image, tile row and tile column; they are processed in blocks of whole tile rows. A block's
/// transformed values lie in 16 slices (one per position ξ = 4i + j of the 4x4 transform), each a row-major matrix
/// [channels][blockTiles] (or the packed GEMM's panels of it), so that the products of a block are 16 GEMMs. The input,
/// output and output-gradient transforms are `CVectorKernels`'s (`winograd.h`); the filters' are here.
struct WinogradTiles {
    let g: ConvolutionGeometry
    /// Tile rows and columns per image: the output rounded up to even sizes, halved.
    let tilesHigh: Int, tilesWide: Int
    /// Tile rows per block, and the tiles of a full block.
    let rowsPerBlock: Int, blockTiles: Int
    /// Blocks over the whole batch.
    let blockCount: Int

    /// Whether F(2x2, 3x3) computes this geometry.
    static func supports(_ g: ConvolutionGeometry) -> Bool {
        g.kernel == Size2D(3) && g.stride == Size2D(1) && g.dilation == Size2D(1) && g.groups == 1
            && g.output.height > 0 && g.output.width > 0
    }

    /// `channels` is the larger of the channel counts whose transforms a block keeps (it sizes the blocks).
    init(_ g: ConvolutionGeometry, channels: Int) {
        self.g = g
        tilesHigh = (g.output.height + 1) / 2
        tilesWide = (g.output.width + 1) / 2
        // About 16K floats per slice pair (a GEMM's operands), so a block's 16 pairs (1 MB) stay in a core's L2.
        let wanted = max(16, (1 << 14) / max(2 * channels, 1))
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
            pad_left: Int32(g.padding.width), tiles_wide: Int32(tilesWide))
    }

    /// An output (or output-gradient) channel plane for the transforms of `CVectorKernels`.
    var outputTiles: fovea_tile_plane {
        fovea_tile_plane(
            height: Int32(g.output.height), width: Int32(g.output.width), pad_top: 0, pad_left: 0,
            tiles_wide: Int32(tilesWide))
    }

    /// Floats of scratch the input and output-gradient transforms of a block need.
    var transformScratchSize: Int {
        max(fovea_winograd_input_scratch(inputTiles, Int32(rowsPerBlock)), fovea_winograd_gradient_scratch(outputTiles))
    }

    // MARK: Filter transforms

    /// U[ξ][o][c] = (G g G^T)ξ for each filter g = weight[o][c] ([outChannels, inChannels, 3, 3]); when `flipped`, for
    /// the filters of the input gradient instead: U[ξ][c][o] from weight[o][c] turned by 180 degrees.
    static func transformFilters(
        _ weight: UnsafePointer<Float>, outChannels: Int, inChannels: Int, flipped: Bool,
        into u: UnsafeMutablePointer<Float>
    ) {
        let slice = outChannels * inChannels, run = 16
        // In the order of U's slices (flipped filters read in a stride instead), `run` filters at a time: their 16
        // values each are gathered first, then every slice gets its `run` values in one go; a value at a time, the 16
        // slices, a multiple of 4 KiB apart, evicted each other from the level-1 cache.
        parallelFor(slice, grain: 4096) { range in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 16 * run) { values in
                var start = range.lowerBound
                while start < range.upperBound {
                    let count = min(run, range.upperBound - start)
                    for k in 0..<count {
                        let index = start + k
                        let (o, c) =
                            flipped ? (index % outChannels, index / outChannels) : (index / inChannels, index % inChannels)
                        let f = weight + (o * inChannels + c) * 9
                        @inline(__always) func tap(_ i: Int, _ j: Int) -> Float {
                            flipped ? f[(2 - i) * 3 + 2 - j] : f[i * 3 + j]
                        }
                        // G g: rows g0, (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2, g2; then the same on each row's columns.
                        let g0 = SIMD3(tap(0, 0), tap(0, 1), tap(0, 2)), g1 = SIMD3(tap(1, 0), tap(1, 1), tap(1, 2))
                        let g2 = SIMD3(tap(2, 0), tap(2, 1), tap(2, 2))
                        @inline(__always) func emit(_ i: Int, _ r: SIMD3<Float>) {
                            let out = values.baseAddress! + 4 * i * run + k
                            out[0] = r.x
                            out[run] = 0.5 * (r.x + r.y + r.z)
                            out[2 * run] = 0.5 * (r.x - r.y + r.z)
                            out[3 * run] = r.z
                        }
                        emit(0, g0); emit(1, 0.5 * (g0 + g1 + g2)); emit(2, 0.5 * (g0 - g1 + g2)); emit(3, g2)
                    }
                    for xi in 0..<16 {
                        (u + xi * slice + start).update(from: values.baseAddress! + xi * run, count: count)
                    }
                    start += count
                }
            }
        }
    }

    /// weight[o][c] = G^T dU[ξ][o][c] G: the filter gradient from its 16 transformed sums (the adjoint of `transformFilters`).
    static func untransformFilterGradient(
        _ du: UnsafePointer<Float>, outChannels: Int, inChannels: Int,
        into weight: UnsafeMutablePointer<Float>
    ) {
        let slice = outChannels * inChannels
        for pair in 0..<slice {
            @inline(__always) func row(_ i: Int) -> SIMD4<Float> {
                SIMD4(
                    du[(4 * i) * slice + pair], du[(4 * i + 1) * slice + pair], du[(4 * i + 2) * slice + pair],
                    du[(4 * i + 3) * slice + pair])
            }
            // G^T rows: D0 + (D1 + D2) / 2, (D1 - D2) / 2, (D1 + D2) / 2 + D3; then the same on each row's four columns.
            let (d0, d1, d2, d3) = (row(0), row(1), row(2), row(3))
            let f = weight + pair * 9
            @inline(__always) func emit(_ i: Int, _ r: SIMD4<Float>) {
                f[i * 3] = r.x + 0.5 * (r.y + r.z)
                f[i * 3 + 1] = 0.5 * (r.y - r.z)
                f[i * 3 + 2] = 0.5 * (r.y + r.z) + r.w
            }
            emit(0, d0 + 0.5 * (d1 + d2)); emit(1, 0.5 * (d1 - d2)); emit(2, 0.5 * (d1 + d2) + d3)
        }
    }
}
