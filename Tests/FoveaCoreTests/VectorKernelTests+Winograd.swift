import CVectorKernels
import Foundation
import FoveaTestSupport
import Testing

/// The F(2x2, 3x3) and F(4x4, 3x3) transforms of `CVectorKernels` at every level against the matrix products written
/// out in Double: tile rows wider than every level's vector and narrower, odd planes (tiles past the edge), padding of
/// 0, 1, 2 and -1, row-major slices and packed panels whose tiles cross from one panel into the next.
extension VectorKernelTests {
    /// B^T, G and A^T of F(2x2, 3x3) and F(4x4, 3x3) (Lavin and Gray, 2016), by output tile size.
    static let bT: [Int: [[Double]]] = [
        2: [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
        4: [
            [4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0],
            [0, 4, 0, -5, 0, 1],
        ],
    ]
    static let gMatrix: [Int: [[Double]]] = [
        2: [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]],
        4: [
            [1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6],
            [1 / 24, -1 / 12, 1 / 6], [0, 0, 1],
        ],
    ]
    static let aT: [Int: [[Double]]] = [
        2: [[1, 1, 1, 0], [0, 1, -1, -1]],
        4: [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
    ]

    /// l * r (l: n x k, r: k x m).
    static func product(_ l: [[Double]], _ r: [[Double]]) -> [[Double]] {
        l.map { row in (0..<r[0].count).map { j in zip(row, r).reduce(0) { $0 + $1.0 * $1.1[j] } } }
    }

    static func transposed(_ a: [[Double]]) -> [[Double]] { (0..<a[0].count).map { j in a.map { $0[j] } } }

    /// (plane height, width, padding top, left): wide and narrow tile rows, odd outputs, negative padding; and tile rows
    /// whose tiles fill whole runs of a vector (a vector spanning 2, 4 or 8 tile rows, the last tile row cut short).
    static let planes = [
        (7, 37, 1, 1), (5, 9, 0, 0), (6, 4, 2, 2), (9, 12, 1, -1), (6, 140, 1, 1), (17, 16, 1, 1), (16, 32, 1, 1),
        (5, 8, 1, 1),
    ]

    /// Tile layouts of `slices` slices: row-major slices of `tiles` tiles, and panels of 8 tiles (3 channels' rows each)
    /// from tile 5 on.
    static func layouts(tiles: Int, slices: Int) -> [(fovea_tile_layout, first: Int, size: Int)] {
        let panels = (tiles + 5 + 7) / 8
        return [
            (fovea_tile_layout(slice_stride: tiles + 3, panel_stride: 0, panel_width: Int32(tiles)), 0, slices * (tiles + 3)),
            (fovea_tile_layout(slice_stride: panels * 24, panel_stride: 24, panel_width: 8), 5, slices * panels * 24),
        ]
    }

    /// Every level with each tile size (2 and 4).
    static let levelsAndTiles = levels.flatMap { level in [2, 4].map { (level, $0) } }

    /// The 3x3 correlation that the three transforms of F(m x m, 3x3) compute together, on one random patch and filter,
    /// against the direct sums: checks the matrices themselves.
    @Test(arguments: [2, 4])
    func winogradMatricesComputeTheCorrelation(tile: Int) {
        let a = tile + 2, d = (0..<a).map { r in (0..<a).map { Double(sin(Double(7 * r + $0 + 1))) } }
        let filter = (0..<3).map { r in (0..<3).map { Double(cos(Double(3 * r + $0))) } }
        var want = [[Double]](repeating: [Double](repeating: 0, count: tile), count: tile)
        for r in 0..<tile {
            for s in 0..<tile {
                for i in 0..<3 { for j in 0..<3 { want[r][s] += d[r + i][s + j] * filter[i][j] } }
            }
        }
        let (bT, g, aT) = (Self.bT[tile]!, Self.gMatrix[tile]!, Self.aT[tile]!)
        let u = Self.product(Self.product(g, filter), Self.transposed(g))
        let v = Self.product(Self.product(bT, d), Self.transposed(bT))
        let y = Self.product(Self.product(aT, zip(u, v).map { zip($0, $1).map(*) }), Self.transposed(aT))
        let error = zip(y.joined(), want.joined()).map { abs($0 - $1) }.max()!
        #expect(error < 1e-12, "F(\(tile)x\(tile), 3x3): \(error)")
    }

    /// `fovea_winograd_filter` against G f G^T, for the filter and for it turned by 180 degrees.
    @Test(arguments: [2, 4])
    func winogradFilterTransformMatchesTheMatrices(tile: Int) {
        let a = tile + 2, f = Self.values(9, seed: 33), g = Self.gMatrix[tile]!
        for flipped in [false, true] {
            var u = [Float](repeating: 7, count: 2 * a * a)
            fovea_winograd_filter(Int32(tile), f, flipped ? 1 : 0, &u, 2)
            let taps = (0..<3).map { i in (0..<3).map { j in Double(flipped ? f[8 - 3 * i - j] : f[3 * i + j]) } }
            let transformed = Self.product(Self.product(g, taps), Self.transposed(g))
            var want = [Float](repeating: 7, count: 2 * a * a)
            for xi in 0..<a * a { want[2 * xi] = Float(transformed[xi / a][xi % a]) }
            #expect(allClose(u, want), "F(\(tile)x\(tile)) flipped \(flipped)")
        }
    }

    /// `fovea_winograd_filter_gradient` against G^T dU G.
    @Test(arguments: [2, 4])
    func winogradFilterGradientMatchesTheMatrices(tile: Int) {
        let a = tile + 2, du = Self.values(2 * a * a, seed: 34), g = Self.gMatrix[tile]!
        var f = [Float](repeating: 7, count: 9)
        fovea_winograd_filter_gradient(Int32(tile), du, 2, &f)
        let sums = (0..<a).map { i in (0..<a).map { j in Double(du[2 * (a * i + j)]) } }
        let want = Self.product(Self.product(Self.transposed(g), sums), g).joined().map(Float.init)
        #expect(allClose(f, want), "F(\(tile)x\(tile)): \(maxAbsDifference(f, want))")
    }

    /// Where `layout` puts value xi of tile t.
    static func index(_ layout: fovea_tile_layout, _ xi: Int, _ t: Int) -> Int {
        let width = Int(layout.panel_width)
        return xi * layout.slice_stride + t / width * layout.panel_stride + t % width
    }

    @Test(arguments: levelsAndTiles)
    func winogradInputTransformsMatchTheMatrices(level: Int32, tile: Int) {
        let a = tile + 2, bT = Self.bT[tile]!
        for (height, width, top, left) in Self.planes {
            let (outH, outW) = (height + 2 * top - 2, width + 2 * left - 2)
            let (tilesHigh, tilesWide) = ((outH + tile - 1) / tile, (outW + tile - 1) / tile)
            let x = Self.values(height * width, seed: 30)
            let plane = fovea_tile_plane(
                height: Int32(height), width: Int32(width), pad_top: Int32(top), pad_left: Int32(left),
                tiles_wide: Int32(tilesWide), tile: Int32(tile))
            // Tile rows 1 ..< tilesHigh (all of them when there is one).
            let first = min(1, tilesHigh - 1), rows = tilesHigh - first
            for (layout, firstTile, size) in Self.layouts(tiles: rows * tilesWide, slices: a * a) {
                var v = [Float](repeating: 7, count: size), want = v
                var scratch = [Float](repeating: .nan, count: fovea_winograd_input_scratch(plane, Int32(rows)))
                fovea_winograd_input(level, x, plane, Int32(first), Int32(rows), &scratch, &v, layout, Int32(firstTile))
                for t in 0..<rows * tilesWide {
                    let (th, tw) = (first + t / tilesWide, t % tilesWide)
                    let d = (0..<a).map { r in
                        (0..<a).map { s -> Double in
                            let (y, x0) = (tile * th - top + r, tile * tw - left + s)
                            return y >= 0 && y < height && x0 >= 0 && x0 < width ? Double(x[y * width + x0]) : 0
                        }
                    }
                    let transformed = Self.product(Self.product(bT, d), Self.transposed(bT))
                    for xi in 0..<a * a { want[Self.index(layout, xi, firstTile + t)] = Float(transformed[xi / a][xi % a]) }
                }
                #expect(
                    allClose(v, want),
                    "level \(level) tile \(tile) plane \(height)x\(width) pad \(top),\(left) first tile \(firstTile)")
            }
        }
    }

    @Test(arguments: levelsAndTiles)
    func winogradOutputTransformsMatchTheMatrices(level: Int32, tile: Int) {
        let a = tile + 2, aT = Self.aT[tile]!
        for (outH, outW) in [(7, 37), (4, 8), (3, 5), (9, 130), (17, 16), (16, 32), (5, 8)] {
            let (tilesHigh, tilesWide) = ((outH + tile - 1) / tile, (outW + tile - 1) / tile)
            let first = min(1, tilesHigh - 1), rows = tilesHigh - first, sliceStride = rows * tilesWide + 2
            let m = Self.values(a * a * sliceStride, seed: 31), bias: Float = 0.25
            let plane = fovea_tile_plane(
                height: Int32(outH), width: Int32(outW), pad_top: 0, pad_left: 0, tiles_wide: Int32(tilesWide),
                tile: Int32(tile))
            var y = [Float](repeating: 7, count: outH * outW), want = y
            var scratch = [Float](repeating: .nan, count: fovea_winograd_output_scratch(plane, Int32(rows)))
            fovea_winograd_output(level, m, sliceStride, plane, Int32(first), Int32(rows), bias, &scratch, &y)
            for t in 0..<rows * tilesWide {
                let (th, tw) = (first + t / tilesWide, t % tilesWide)
                let products = (0..<a).map { i in (0..<a).map { j in Double(m[(a * i + j) * sliceStride + t]) } }
                let out = Self.product(Self.product(aT, products), Self.transposed(aT))
                for r in 0..<tile where tile * th + r < outH {
                    for s in 0..<tile where tile * tw + s < outW {
                        want[(tile * th + r) * outW + tile * tw + s] = Float(out[r][s]) + bias
                    }
                }
            }
            #expect(
                allClose(y, want), "level \(level) tile \(tile) output \(outH)x\(outW): \(maxAbsDifference(y, want))")
        }
    }

    @Test(arguments: levelsAndTiles)
    func winogradGradientTransformsMatchTheMatrices(level: Int32, tile: Int) {
        let a = tile + 2, aT = Self.aT[tile]!
        for (outH, outW) in [(7, 37), (4, 8), (3, 5), (17, 16), (16, 32), (5, 8), (9, 130)] {
            let (tilesHigh, tilesWide) = ((outH + tile - 1) / tile, (outW + tile - 1) / tile)
            let first = min(1, tilesHigh - 1), rows = tilesHigh - first
            let dy = Self.values(outH * outW, seed: 32)
            let plane = fovea_tile_plane(
                height: Int32(outH), width: Int32(outW), pad_top: 0, pad_left: 0, tiles_wide: Int32(tilesWide),
                tile: Int32(tile))
            for (layout, firstTile, size) in Self.layouts(tiles: rows * tilesWide, slices: a * a) {
                var v = [Float](repeating: 7, count: size), want = v
                var scratch = [Float](repeating: .nan, count: fovea_winograd_gradient_scratch(plane, Int32(rows)))
                fovea_winograd_gradient(level, dy, plane, Int32(first), Int32(rows), &scratch, &v, layout, Int32(firstTile))
                for t in 0..<rows * tilesWide {
                    let (th, tw) = (first + t / tilesWide, t % tilesWide)
                    let block = (0..<tile).map { r in
                        (0..<tile).map { s -> Double in
                            let (y, x) = (tile * th + r, tile * tw + s)
                            return y < outH && x < outW ? Double(dy[y * outW + x]) : 0
                        }
                    }
                    let transformed = Self.product(Self.product(Self.transposed(aT), block), aT)
                    for xi in 0..<a * a { want[Self.index(layout, xi, firstTile + t)] = Float(transformed[xi / a][xi % a]) }
                }
                #expect(
                    allClose(v, want), "level \(level) tile \(tile) gradient \(outH)x\(outW) first tile \(firstTile)")
            }
        }
    }
}
