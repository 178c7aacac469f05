/// Where an unfold writes a column matrix: row-major rows `rowStride` apart, or the panels of a packed matrix of
/// `packedRows` rows (`fovea_pack`'s layout: `panelWidth` columns per panel, each panel's rows one after another), so
/// that `fovea_packed_gemm` multiplies it with no packing pass.
struct ColumnTarget {
    let base: UnsafeMutablePointer<Float>
    let rowStride: Int, panelWidth: Int, packedRows: Int

    /// Row-major rows `rowStride` apart.
    static func rows(_ base: UnsafeMutablePointer<Float>, rowStride: Int) -> ColumnTarget {
        ColumnTarget(base: base, rowStride: rowStride, panelWidth: 0, packedRows: 0)
    }

    /// The packed panels of a matrix of `rows` rows, `width` columns per panel.
    static func panels(_ base: UnsafeMutablePointer<Float>, rows: Int, width: Int) -> ColumnTarget {
        ColumnTarget(base: base, rowStride: 0, panelWidth: width, packedRows: rows)
    }

    /// The address of entry `column` of `row`, and how many entries from it on lie contiguously there.
    @inline(__always)
    func entry(_ row: Int, _ column: Int) -> (UnsafeMutablePointer<Float>, run: Int) {
        guard panelWidth > 0 else { return (base + row * rowStride + column, Int.max) }
        let panel = column / panelWidth, lane = column - panel * panelWidth
        return (base + (panel * packedRows + row) * panelWidth + lane, panelWidth - lane)
    }

    /// Writes `count` floats from `source` as entries 0..<count of `row`.
    @inline(__always)
    func copy(row: Int, from source: UnsafePointer<Float>, count: Int) {
        var column = 0
        while column < count {
            let (destination, run) = entry(row, column)
            let length = min(run, count - column)
            CPUBackend.copy(source + column, to: destination, count: length)
            column += length
        }
    }
}
