/// The tiles of Winograd's F(2x2, 3x3) convolution (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks",
/// 2016) over a 3x3, stride-1, undilated, ungrouped geometry: each 2x2 block of outputs is
/// `A^T [(G g G^T) ⊙ (B^T d B)] A` for its 4x4 input patch d and the 3x3 filter g, 16 products instead of 36.
///
/// Tiles are numbered by image, tile row and tile column; they are processed in blocks of whole tile rows. A block's
/// transformed values lie in 16 slices (one per position ξ = 4i + j of the 4x4 transform), each a row-major matrix
/// [channels][blockTiles], so that the products of a block are 16 GEMMs. The transforms run eight tile columns at a time.
struct WinogradTiles {
    let g: ConvolutionGeometry
    /// Tile rows and columns per image: the output rounded up to even sizes, halved.
    let tilesHigh: Int, tilesWide: Int
    /// Tile rows per block, and the tiles of a full block.
    let rowsPerBlock: Int, blockTiles: Int
    /// Blocks over the whole batch.
    let blockCount: Int
    /// Floats per lane row of the transforms' scratch: a tile row's tile columns plus one, rounded up, plus a SIMD width.
    let laneRow: Int

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
        laneRow = (tilesWide + 8) / 8 * 8 + 8
    }

    /// The tile rows of block `block`: indices n * tilesHigh + th.
    func rows(ofBlock block: Int) -> Range<Int> {
        let start = block * rowsPerBlock
        return start..<min(start + rowsPerBlock, g.batch * tilesHigh)
    }

    /// Calls `body(local, image, th)` for each tile row of a block, `local` counting from 0.
    @inline(__always)
    func forEachRow(_ rows: Range<Int>, _ body: (Int, Int, Int) -> Void) {
        for row in rows { body(row - rows.lowerBound, row / tilesHigh, row % tilesHigh) }
    }

    /// Floats of lane scratch the output-gradient transform needs: four lane rows.
    var laneScratchSize: Int { 4 * laneRow }

    // MARK: Input transform, B^T d B

    /// Splits the input rows that tile rows `tileRows` of one input channel plane read into their even and odd columns:
    /// split row j (input row 2 * tileRows.lowerBound - padTop + j) has column 2k - padLeft at `split[2j * laneRow + k]`
    /// and column 2k + 1 - padLeft at `split[(2j + 1) * laneRow + k]`; zero outside the plane (the padding).
    func splitInputRows(_ plane: UnsafePointer<Float>, tileRows: Range<Int>, into split: UnsafeMutablePointer<Float>) {
        for j in 0..<(2 * tileRows.count + 2) {
            let y = 2 * tileRows.lowerBound - g.padding.height + j
            let even = split + 2 * j * laneRow
            Self.splitRow(
                y >= 0 && y < g.height ? plane + y * g.width : nil, width: g.width, offset: g.padding.width,
                count: tilesWide + 1, even: even, odd: even + laneRow)
        }
    }

    /// even[k] = line[2k - offset], odd[k] = line[2k + 1 - offset] for k in 0..<count (and up to seven more), zero
    /// outside 0..<width or when `line` is nil.
    @inline(__always)
    private static func splitRow(
        _ line: UnsafePointer<Float>?, width: Int, offset: Int, count: Int,
        even: UnsafeMutablePointer<Float>, odd: UnsafeMutablePointer<Float>
    ) {
        guard let line else { CPUBackend.zero(even, count: count); CPUBackend.zero(odd, count: count); return }
        var k = 0
        while k < count {
            let x = 2 * k - offset
            if x >= 0 && x + 16 <= width {
                let v = CPUBackend.load16(line + x)
                CPUBackend.store(SIMD8(v[0], v[2], v[4], v[6], v[8], v[10], v[12], v[14]), even + k)
                CPUBackend.store(SIMD8(v[1], v[3], v[5], v[7], v[9], v[11], v[13], v[15]), odd + k)
            } else {
                for l in 0..<8 {
                    let xe = x + 2 * l
                    even[k + l] = xe >= 0 && xe < width ? line[xe] : 0
                    odd[k + l] = xe + 1 >= 0 && xe + 1 < width ? line[xe + 1] : 0
                }
            }
            k += 8
        }
    }

    /// Floats of the split rows of a block's tile rows of one image.
    var splitSize: Int { (4 * rowsPerBlock + 4) * laneRow }

    /// Writes the transformed input patches (B^T d B) of the tile row whose patches are split rows 2t ... 2t + 3
    /// (`splitInputRows`): value ξ of tile column tw goes to `v[ξ * sliceStride + tw]`.
    func transformInput(split: UnsafePointer<Float>, row t: Int, into v: UnsafeMutablePointer<Float>, sliceStride: Int) {
        var tw = 0
        while tw < tilesWide {
            // Patch row r at columns 2tw ... 2tw + 3: even[tw], odd[tw], even[tw + 1], odd[tw + 1].
            @inline(__always) func row(_ r: Int) -> Patch {
                let even = split + 2 * (2 * t + r) * laneRow + tw, odd = even + laneRow
                return Patch(CPUBackend.load(even), CPUBackend.load(odd), CPUBackend.load(even + 1), CPUBackend.load(odd + 1))
            }
            let count = min(8, tilesWide - tw)
            @inline(__always) func emit(_ i: Int, _ p: Patch) {
                let slice = v + 4 * i * sliceStride + tw
                Self.store(p.a - p.c, slice, count)
                Self.store(p.b + p.c, slice + sliceStride, count)
                Self.store(p.c - p.b, slice + 2 * sliceStride, count)
                Self.store(p.b - p.d, slice + 3 * sliceStride, count)
            }
            // B^T down the rows (t0 = d0 - d2, t1 = d1 + d2, t2 = d2 - d1, t3 = d1 - d3), then B along each.
            let (d0, d1, d2, d3) = (row(0), row(1), row(2), row(3))
            emit(0, d0 - d2); emit(1, d1 + d2); emit(2, d2 - d1); emit(3, d1 - d3)
            tw += 8
        }
    }

    /// Four columns of one patch row for eight tiles.
    private struct Patch {
        var a, b, c, d: SIMD8<Float>
        init(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>) {
            (self.a, self.b, self.c, self.d) = (a, b, c, d)
        }
        static func + (x: Patch, y: Patch) -> Patch { Patch(x.a + y.a, x.b + y.b, x.c + y.c, x.d + y.d) }
        static func - (x: Patch, y: Patch) -> Patch { Patch(x.a - y.a, x.b - y.b, x.c - y.c, x.d - y.d) }
    }

    // MARK: Output transform, A^T m A

    /// Writes tile row `th` of one output channel plane from the 16 products `m[ξ * sliceStride + tw]`, adding `bias`;
    /// outputs past the plane's edge are dropped. `m` may be read up to eight floats past its last tile.
    func transformOutput(
        _ m: UnsafePointer<Float>, sliceStride: Int, bias: Float, tileRow th: Int,
        into plane: UnsafeMutablePointer<Float>
    ) {
        let (outH, outW) = (g.output.height, g.output.width)
        let rows = min(2, outH - 2 * th), top = plane + 2 * th * outW
        let b = SIMD8<Float>(repeating: bias)
        var tw = 0
        while tw < tilesWide {
            let p = m + tw
            // A^T down the columns: s = m0 + m1 + m2, d = m1 - m2 - m3 for each of the four columns j.
            var s = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>()), d = s
            @inline(__always) func column(_ j: Int) -> (SIMD8<Float>, SIMD8<Float>) {
                let m0 = CPUBackend.load(p + j * sliceStride), m1 = CPUBackend.load(p + (4 + j) * sliceStride)
                let m2 = CPUBackend.load(p + (8 + j) * sliceStride), m3 = CPUBackend.load(p + (12 + j) * sliceStride)
                return (m0 + m1 + m2, m1 - m2 - m3)
            }
            (s.0, d.0) = column(0); (s.1, d.1) = column(1); (s.2, d.2) = column(2); (s.3, d.3) = column(3)
            // A along the rows: output row 2th is (s0 + s1 + s2, s1 - s2 - s3) per tile, row 2th + 1 the same of d.
            let x = 2 * tw, count = min(16, outW - x)
            @inline(__always) func write(_ r: Int, _ left: SIMD8<Float>, _ right: SIMD8<Float>) {
                let line = SIMD16(
                    left[0], right[0], left[1], right[1], left[2], right[2], left[3], right[3],
                    left[4], right[4], left[5], right[5], left[6], right[6], left[7], right[7])
                let out = top + r * outW + x
                if count == 16 { CPUBackend.store16(line, out) } else { for l in 0..<count { out[l] = line[l] } }
            }
            write(0, s.0 + s.1 + s.2 + b, s.1 - s.2 - s.3 + b)
            if rows == 2 { write(1, d.0 + d.1 + d.2 + b, d.1 - d.2 - d.3 + b) }
            tw += 8
        }
    }

    // MARK: Output-gradient transform, A dY A^T

    /// Writes the transformed output gradients of tile row `th` of one channel plane (the adjoint of `transformOutput`):
    /// value ξ of tile column tw goes to `v[ξ * sliceStride + tw]`; gradients past the plane's edge are zero.
    func transformGradient(
        _ plane: UnsafePointer<Float>, tileRow th: Int, lanes: UnsafeMutablePointer<Float>,
        into v: UnsafeMutablePointer<Float>, sliceStride: Int
    ) {
        let (outH, outW) = (g.output.height, g.output.width)
        // p, q: even and odd columns of output row 2th; r, s: of row 2th + 1.
        for r in 0..<2 {
            let y = 2 * th + r, even = lanes + 2 * r * laneRow
            Self.splitRow(
                y < outH ? plane + y * outW : nil, width: outW, offset: 0, count: tilesWide, even: even, odd: even + laneRow)
        }
        var tw = 0
        while tw < tilesWide {
            let count = min(8, tilesWide - tw)
            let p = CPUBackend.load(lanes + tw), q = CPUBackend.load(lanes + laneRow + tw)
            let r = CPUBackend.load(lanes + 2 * laneRow + tw), s = CPUBackend.load(lanes + 3 * laneRow + tw)
            // Rows of A dY: (p, q), (p + r, q + s), (p - r, q - s), (-r, -s); each row (u, w) becomes (u, u + w, u - w, -w).
            @inline(__always) func emit(_ i: Int, _ u: SIMD8<Float>, _ w: SIMD8<Float>) {
                let slice = v + 4 * i * sliceStride + tw
                Self.store(u, slice, count)
                Self.store(u + w, slice + sliceStride, count)
                Self.store(u - w, slice + 2 * sliceStride, count)
                Self.store(-w, slice + 3 * sliceStride, count)
            }
            emit(0, p, q); emit(1, p + r, q + s); emit(2, p - r, q - s); emit(3, -r, -s)
            tw += 8
        }
    }

    /// Stores the first `count` lanes of `value` (all eight when count is 8).
    @inline(__always)
    private static func store(_ value: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
        if count == 8 { CPUBackend.store(value, p); return }
        for l in 0..<count { p[l] = value[l] }
    }

    // MARK: Filter transforms

    /// U[ξ][o][c] = (G g G^T)ξ for each filter g = weight[o][c] ([outChannels, inChannels, 3, 3]); when `flipped`, for
    /// the filters of the input gradient instead: U[ξ][c][o] from weight[o][c] turned by 180 degrees.
    static func transformFilters(
        _ weight: UnsafePointer<Float>, outChannels: Int, inChannels: Int, flipped: Bool,
        into u: UnsafeMutablePointer<Float>
    ) {
        let slice = outChannels * inChannels
        parallelFor(slice, grain: 4096) { range in
            for pair in range {
                let o = pair / inChannels, c = pair % inChannels
                let f = weight + pair * 9
                @inline(__always) func tap(_ i: Int, _ j: Int) -> Float { flipped ? f[(2 - i) * 3 + 2 - j] : f[i * 3 + j] }
                // G g: rows g0, (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2, g2; then the same on each row's three columns.
                let g0 = SIMD3(tap(0, 0), tap(0, 1), tap(0, 2)), g1 = SIMD3(tap(1, 0), tap(1, 1), tap(1, 2))
                let g2 = SIMD3(tap(2, 0), tap(2, 1), tap(2, 2))
                let index = flipped ? c * outChannels + o : pair
                @inline(__always) func emit(_ i: Int, _ r: SIMD3<Float>) {
                    let out = u + 4 * i * slice + index
                    out[0] = r.x
                    out[slice] = 0.5 * (r.x + r.y + r.z)
                    out[2 * slice] = 0.5 * (r.x - r.y + r.z)
                    out[3 * slice] = r.z
                }
                emit(0, g0); emit(1, 0.5 * (g0 + g1 + g2)); emit(2, 0.5 * (g0 - g1 + g2)); emit(3, g2)
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
