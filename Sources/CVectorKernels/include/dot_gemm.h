// A GEMM whose operands both run along k: each value of C a dot product of a row of A and a row of B. For products
// of long k and small m and n (a weight gradient summed over many positions), where packing B would cost as much
// as the product.
#ifndef FOVEA_DOT_GEMM_H
#define FOVEA_DOT_GEMM_H

#include "simd_level.h"

/// Row-major C (m x n, ldc) = A * B^T + beta * C at `level`, with A (m x k) at a[i * lda + p] and B (n x k) at
/// b[j * ldb + p]. beta 0 overwrites C without reading it.
void fovea_dot_gemm(
    int level, int m, int n, int k, const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc);

/// `fovea_dot_gemm` with A given by its rows: A(i, p) is a[i][p]. For rows that are not evenly spaced, such as a
/// convolution's column rows read in place from a padded image.
void fovea_dot_gemm_rows(
    int level, int m, int n, int k, const float *const *a, const float *b, long ldb, float beta, float *c, long ldc);

#endif
