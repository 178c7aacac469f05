// A GEMM by a matrix laid out once in panels, for products repeated with the same right-hand side (a recurrent
// layer's W_hh at every step) or split over cores (each core packs its panels once, then multiplies its rows).
#ifndef FOVEA_PACKED_GEMM_H
#define FOVEA_PACKED_GEMM_H

#include <stddef.h>

#include "simd_level.h"

/// Columns per panel at `level` (32, 16 or 8): the columns j0 ..< j1 of a packed matrix, j0 a multiple of it, are
/// the packed matrix of those columns, from packed + j0 * k.
int fovea_panel_width(int level);

/// Floats a k x n matrix takes once packed for `level` (n rounded up to whole panels).
size_t fovea_packed_floats(int level, int k, int n);

/// Lays out B (k x n) for `fovea_packed_gemm` at `level`: B(p, j) is b[p * ldb + j], or b[j * ldb + p] when
/// `transposed` (B is then the transpose of the row-major n x k matrix at b).
void fovea_pack(int level, int k, int n, const float *b, int ldb, int transposed, float *packed);

/// Row-major C (m x n, ldc) = A * B + beta * C, with B packed by `fovea_pack` at the same level; A (m x k) is
/// a[i * lda + p], or a[p * lda + i] when `transposed_a`. beta 0 overwrites C without reading it.
void fovea_packed_gemm(
    int level, int m, int n, int k, const float *a, int lda, int transposed_a, const float *packed, float beta,
    float *c, int ldc);

/// `fovea_packed_gemm` with A given by its rows: A(i, p) is rows[i][p]. For rows that are not evenly spaced, such as
/// a convolution's column rows read in place from a padded image.
void fovea_packed_gemm_rows(
    int level, int m, int n, int k, const float *const *rows, const float *packed, float beta, float *c, int ldc);

#endif
