/// The three convolution passes by Winograd's F(2x2, 3x3) (`WinogradTiles`): each core transforms a block of tile rows,
/// runs the block's 16 GEMMs and transforms the products back, so a block's transforms stay in cache for its GEMMs.
/// Transforms go channel by channel, down the block's tile rows, so each plane is read (or written) in order.
/// The input gradient is the same correlation on the output gradient, with the filters turned and their channels swapped.
extension CPUBackend {
    func winogradConv2d(_ x: Storage, weight: Storage, bias: Storage?, geometry g: ConvolutionGeometry, into y: Storage) throws {
        let filters = try allocate(16 * g.outChannels * g.inChannels)
        WinogradTiles.transformFilters(
            Self.pointer(weight), outChannels: g.outChannels, inChannels: g.inChannels,
            flipped: false, into: Self.pointer(filters))
        try winogradCorrelate(
            Self.pointer(x), filters: Self.pointer(filters), bias: bias.map(Self.pointer), geometry: g,
            into: Self.pointer(y))
    }

    func winogradConv2dBackwardData(
        _ gradOutput: Storage, weight: Storage, geometry g: ConvolutionGeometry,
        into gradInput: Storage
    ) throws {
        let filters = try allocate(16 * g.outChannels * g.inChannels)
        WinogradTiles.transformFilters(
            Self.pointer(weight), outChannels: g.outChannels, inChannels: g.inChannels,
            flipped: true, into: Self.pointer(filters))
        // gradInput[c] = sum over o of gradOutput[o] correlated with weight[o][c] turned by 180 degrees, padded by 2 - padding.
        let transposed = ConvolutionGeometry(
            batch: g.batch, inChannels: g.outChannels, height: g.output.height,
            width: g.output.width, outChannels: g.inChannels, kernel: 3, stride: 1,
            padding: Size2D(height: 2 - g.padding.height, width: 2 - g.padding.width),
            dilation: 1, groups: 1, output: Size2D(height: g.height, width: g.width))
        try winogradCorrelate(
            Self.pointer(gradOutput), filters: Self.pointer(filters), bias: nil, geometry: transposed,
            into: Self.pointer(gradInput))
    }

    /// Each core sums its blocks' products into its own transformed gradient; the sums are added in a fixed order.
    func winogradConv2dBackwardWeight(
        _ gradOutput: Storage, input: Storage, geometry g: ConvolutionGeometry,
        into gradWeight: Storage
    ) throws {
        let (cin, cout) = (g.inChannels, g.outChannels)
        let tiles = WinogradTiles(g, channels: max(cin, cout))
        guard tiles.blockCount > 0 else { Self.zero(Self.pointer(gradWeight), count: cout * cin * 9); return }
        let tb = tiles.blockTiles, sums = 16 * cout * cin
        let (inputSize, gradientSize) = (16 * cin * tb, 16 * cout * tb)
        let partSize = sums + inputSize + gradientSize + max(tiles.laneScratchSize, tiles.splitSize)
        let parts = min(Self.workers, tiles.blockCount)
        let scratch = try allocate(parts * partSize)
        let base = Self.pointer(scratch), x = Self.pointer(input), gy = Self.pointer(gradOutput)
        parallelParts(tiles.blockCount, parts: parts) { part, blocks in
            let du = base + part * partSize, v = du + sums, mg = v + inputSize, lanes = mg + gradientSize
            for block in blocks {
                let rows = tiles.rows(ofBlock: block)
                transformInputs(x, tiles, rows: rows, lanes: lanes, into: v)
                for o in 0..<cout {
                    tiles.forEachRow(rows) { local, image, th in
                        tiles.transformGradient(
                            gy + (image * cout + o) * g.outputPlane, tileRow: th, lanes: lanes,
                            into: mg + o * tb + local * tiles.tilesWide, sliceStride: cout * tb)
                    }
                }
                let n = rows.count * tiles.tilesWide
                for xi in 0..<16 {
                    // du[xi] (cout x cin) += mg[xi] (cout x n) * v[xi]^T (n x cin)
                    Self.matmul(
                        m: cout, n: cin, k: n, mg + xi * cout * tb, tb, false, v + xi * cin * tb, tb, true,
                        block == blocks.lowerBound ? 0 : 1, du + xi * sums / 16, cin)
                }
            }
        }
        for part in 1..<parts { Self.accumulate(base + part * partSize, into: base, count: sums) }
        WinogradTiles.untransformFilterGradient(base, outChannels: cout, inChannels: cin, into: Self.pointer(gradWeight))
    }

    /// y = the F(2x2, 3x3) correlation of x with the transformed filters ([16][outChannels][inChannels]), plus bias.
    private func winogradCorrelate(
        _ x: UnsafePointer<Float>, filters u: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        geometry g: ConvolutionGeometry, into y: UnsafeMutablePointer<Float>
    ) throws {
        let (cin, cout) = (g.inChannels, g.outChannels)
        let tiles = WinogradTiles(g, channels: max(cin, cout))
        guard tiles.blockCount > 0 else { return }
        let tb = tiles.blockTiles
        // The products are read up to eight floats past the last tile.
        let (inputSize, productSize) = (16 * cin * tb, 16 * cout * tb + 8)
        let partSize = inputSize + productSize + max(tiles.laneScratchSize, tiles.splitSize)
        let parts = min(Self.workers, tiles.blockCount)
        let scratch = try allocate(parts * partSize)
        let base = Self.pointer(scratch)
        parallelParts(tiles.blockCount, parts: parts) { part, blocks in
            let v = base + part * partSize, m = v + inputSize, lanes = m + productSize
            for block in blocks {
                let rows = tiles.rows(ofBlock: block)
                transformInputs(x, tiles, rows: rows, lanes: lanes, into: v)
                let n = rows.count * tiles.tilesWide
                for xi in 0..<16 {
                    // m[xi] (cout x n) = u[xi] (cout x cin) * v[xi] (cin x n)
                    Self.matmul(
                        m: cout, n: n, k: cin, u + xi * cout * cin, cin, false, v + xi * cin * tb, tb, false, 0,
                        m + xi * cout * tb, tb)
                }
                for o in 0..<cout {
                    tiles.forEachRow(rows) { local, image, th in
                        tiles.transformOutput(
                            m + o * tb + local * tiles.tilesWide, sliceStride: cout * tb, bias: bias?[o] ?? 0,
                            tileRow: th, into: y + (image * cout + o) * g.outputPlane)
                    }
                }
            }
        }
    }

    /// The transformed input patches of tile rows `rows` (a block) into its 16 slices [inChannels][blockTiles]: per channel
    /// and image, the rows the block reads are split once, then transformed tile row by tile row.
    private func transformInputs(
        _ x: UnsafePointer<Float>, _ tiles: WinogradTiles, rows: Range<Int>,
        lanes: UnsafeMutablePointer<Float>, into v: UnsafeMutablePointer<Float>
    ) {
        let (cin, tb, plane) = (tiles.g.inChannels, tiles.blockTiles, tiles.g.height * tiles.g.width)
        for c in 0..<cin {
            var start = rows.lowerBound
            while start < rows.upperBound {
                // The block's tile rows of one image.
                let image = start / tiles.tilesHigh, end = min(rows.upperBound, (image + 1) * tiles.tilesHigh)
                let first = start % tiles.tilesHigh
                tiles.splitInputRows(x + (image * cin + c) * plane, tileRows: first..<first + end - start, into: lanes)
                for t in 0..<(end - start) {
                    tiles.transformInput(
                        split: lanes, row: t, into: v + c * tb + (start - rows.lowerBound + t) * tiles.tilesWide,
                        sliceStride: cin * tb)
                }
                start = end
            }
        }
    }
}
