import CVectorKernels
import FoveaTestSupport
import Testing

/// The F(2x2, 3x3) transforms of `CVectorKernels` at every level against the matrix products written out in Double:
/// tile rows wider than every level's vector and narrower, odd planes (tiles past the edge), padding of 0, 1, 2 and -1,
/// row-major slices and packed panels whose tiles cross from one panel into the next.
extension VectorKernelTests {
    static let bT: [[Double]] = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
    static let aT: [[Double]] = [[1, 1, 1, 0], [0, 1, -1, -1]]

    /// l * r (l: n x k, r: k x m).
    static func product(_ l: [[Double]], _ r: [[Double]]) -> [[Double]] {
        l.map { row in (0..<r[0].count).map { j in zip(row, r).reduce(0) { $0 + $1.0 * $1.1[j] } } }
    }

    static func transposed(_ a: [[Double]]) -> [[Double]] { (0..<a[0].count).map { j in a.map { $0[j] } } }

    /// (plane height, width, padding top, left): wide and narrow tile rows, odd outputs, negative padding.
    static let planes = [(7, 37, 1, 1), (5, 9, 0, 0), (6, 4, 2, 2), (9, 12, 1, -1)]

    /// Tile layouts: row-major slices of `tiles` tiles, and panels of 8 tiles (3 channels' rows each) from tile 5 on.
    static func layouts(tiles: Int) -> [(fovea_tile_layout, first: Int, size: Int)] {
        let panels = (tiles + 5 + 7) / 8
        return [
            (fovea_tile_layout(slice_stride: tiles + 3, panel_stride: 0, panel_width: Int32(tiles)), 0, 16 * (tiles + 3)),
            (fovea_tile_layout(slice_stride: panels * 24, panel_stride: 24, panel_width: 8), 5, 16 * panels * 24),
        ]
    }

    /// Where `layout` puts value xi of tile t.
    static func index(_ layout: fovea_tile_layout, _ xi: Int, _ t: Int) -> Int {
        let width = Int(layout.panel_width)
        return xi * layout.slice_stride + t / width * layout.panel_stride + t % width
    }

    @Test(arguments: levels)
    func winogradInputTransformsMatchTheMatrices(level: Int32) {
        for (height, width, top, left) in Self.planes {
            let (outH, outW) = (height + 2 * top - 2, width + 2 * left - 2)
            let (tilesHigh, tilesWide) = ((outH + 1) / 2, (outW + 1) / 2)
            let x = Self.values(height * width, seed: 30)
            let plane = fovea_tile_plane(
                height: Int32(height), width: Int32(width), pad_top: Int32(top), pad_left: Int32(left),
                tiles_wide: Int32(tilesWide))
            // Tile rows 1 ..< tilesHigh (all of them when there is one).
            let first = min(1, tilesHigh - 1), rows = tilesHigh - first
            for (layout, firstTile, size) in Self.layouts(tiles: rows * tilesWide) {
                var v = [Float](repeating: 7, count: size), want = v
                var scratch = [Float](repeating: .nan, count: fovea_winograd_input_scratch(plane, Int32(rows)))
                fovea_winograd_input(level, x, plane, Int32(first), Int32(rows), &scratch, &v, layout, Int32(firstTile))
                for t in 0..<rows * tilesWide {
                    let (th, tw) = (first + t / tilesWide, t % tilesWide)
                    let d = (0..<4).map { r in
                        (0..<4).map { s -> Double in
                            let (y, x0) = (2 * th - top + r, 2 * tw - left + s)
                            return y >= 0 && y < height && x0 >= 0 && x0 < width ? Double(x[y * width + x0]) : 0
                        }
                    }
                    let transformed = Self.product(Self.product(Self.bT, d), Self.transposed(Self.bT))
                    for xi in 0..<16 { want[Self.index(layout, xi, firstTile + t)] = Float(transformed[xi / 4][xi % 4]) }
                }
                #expect(
                    allClose(v, want), "level \(level) plane \(height)x\(width) pad \(top),\(left) first tile \(firstTile)")
            }
        }
    }

    @Test(arguments: levels)
    func winogradOutputTransformsMatchTheMatrices(level: Int32) {
        for (outH, outW) in [(7, 37), (4, 8), (3, 5)] {
            let (tilesHigh, tilesWide) = ((outH + 1) / 2, (outW + 1) / 2)
            let first = min(1, tilesHigh - 1), rows = tilesHigh - first, sliceStride = rows * tilesWide + 2
            let m = Self.values(16 * sliceStride, seed: 31), bias: Float = 0.25
            let plane = fovea_tile_plane(
                height: Int32(outH), width: Int32(outW), pad_top: 0, pad_left: 0, tiles_wide: Int32(tilesWide))
            var y = [Float](repeating: 7, count: outH * outW), want = y
            fovea_winograd_output(level, m, sliceStride, plane, Int32(first), Int32(rows), bias, &y)
            for t in 0..<rows * tilesWide {
                let (th, tw) = (first + t / tilesWide, t % tilesWide)
                let products = (0..<4).map { i in (0..<4).map { j in Double(m[(4 * i + j) * sliceStride + t]) } }
                let out = Self.product(Self.product(Self.aT, products), Self.transposed(Self.aT))
                for r in 0..<2 where 2 * th + r < outH {
                    for s in 0..<2 where 2 * tw + s < outW {
                        want[(2 * th + r) * outW + 2 * tw + s] = Float(out[r][s]) + bias
                    }
                }
            }
            #expect(allClose(y, want), "level \(level) output \(outH)x\(outW): \(maxAbsDifference(y, want))")
        }
    }

    @Test(arguments: levels)
    func winogradGradientTransformsMatchTheMatrices(level: Int32) {
        for (outH, outW) in [(7, 37), (4, 8), (3, 5)] {
            let (tilesHigh, tilesWide) = ((outH + 1) / 2, (outW + 1) / 2)
            let first = min(1, tilesHigh - 1), rows = tilesHigh - first
            let dy = Self.values(outH * outW, seed: 32)
            let plane = fovea_tile_plane(
                height: Int32(outH), width: Int32(outW), pad_top: 0, pad_left: 0, tiles_wide: Int32(tilesWide))
            for (layout, firstTile, size) in Self.layouts(tiles: rows * tilesWide) {
                var v = [Float](repeating: 7, count: size), want = v
                var scratch = [Float](repeating: .nan, count: fovea_winograd_gradient_scratch(plane))
                fovea_winograd_gradient(level, dy, plane, Int32(first), Int32(rows), &scratch, &v, layout, Int32(firstTile))
                for t in 0..<rows * tilesWide {
                    let (th, tw) = (first + t / tilesWide, t % tilesWide)
                    let block = (0..<2).map { r in
                        (0..<2).map { s -> Double in
                            let (y, x) = (2 * th + r, 2 * tw + s)
                            return y < outH && x < outW ? Double(dy[y * outW + x]) : 0
                        }
                    }
                    let transformed = Self.product(Self.product(Self.transposed(Self.aT), block), Self.aT)
                    for xi in 0..<16 { want[Self.index(layout, xi, firstTile + t)] = Float(transformed[xi / 4][xi % 4]) }
                }
                #expect(allClose(v, want), "level \(level) gradient \(outH)x\(outW) first tile \(firstTile)")
            }
        }
    }
}
