import CVectorKernels

/// A k x n right-hand side laid out once in the panels of `CVectorKernels`'s kernels, for products repeated with the same
/// matrix (a recurrent layer's W_hh at every step) or split over cores: OpenBLAS packs B again at every call, and on
/// this project's machines runs AVX2 code where `CVectorKernels` runs AVX-512 when the CPU has it (chosen at run time).
final class PackedMatrix {
    let k: Int, n: Int
    /// The instruction set level the panels are laid out for (`fovea_simd_level()` unless a test asks for less).
    let level: Int32
    private let panels: UnsafeMutablePointer<Float>

    /// Packs B (k x n): B(p, j) = b[p * ldb + j], or b[j * ldb + p] when `transposed`; with `parallel`, each core
    /// packs its share of the panels.
    init(
        k: Int, n: Int, _ b: UnsafePointer<Float>, ldb: Int, transposed: Bool, parallel: Bool = false,
        level: Int32 = fovea_simd_level()
    ) {
        self.k = k; self.n = n; self.level = level
        let panels = UnsafeMutablePointer<Float>.allocate(capacity: max(1, fovea_packed_floats(level, Int32(k), Int32(n))))
        self.panels = panels
        let width = Int(fovea_panel_width(level)), count = (n + width - 1) / width
        parallelParts(count, parts: parallel ? CPUBackend.workers : 1) { _, range in
            let j0 = range.lowerBound * width, j1 = min(n, range.upperBound * width)
            fovea_pack(
                level, Int32(k), Int32(j1 - j0), b + (transposed ? j0 * ldb : j0), Int32(ldb), transposed ? 1 : 0,
                panels + j0 * k)
        }
    }

    deinit { panels.deallocate() }

    /// The widest SIMD level whose panels a right-hand side of `columns` columns fills more than half (16 columns run
    /// on AVX2's panels of 16 rather than AVX-512's of 32, whose second vector would multiply zeros).
    static func level(columns: Int) -> Int32 {
        var level = CPUBackend.simdLevel
        while level > 0 && 2 * columns <= Int(fovea_panel_width(level)) { level -= 1 }
        return level
    }

    /// Row-major C (m x n, ldc) = A * B + beta * C on the calling thread, A (m x k) being a[i * lda + p], or
    /// a[p * lda + i] when `transposedA`; beta 0 does not read C.
    func multiply(
        m: Int, _ a: UnsafePointer<Float>, lda: Int, transposedA: Bool = false, beta: Float,
        _ c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        fovea_packed_gemm(
            level, Int32(m), Int32(n), Int32(k), a, Int32(lda), transposedA ? 1 : 0, panels, beta, c, Int32(ldc))
    }
}
