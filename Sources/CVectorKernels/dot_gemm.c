#include "dot_gemm.h"

#include "levels.h"

FOVEA_FOR_EACH_LEVEL(FOVEA_VECTORS)

// The sum of a vector's lanes, halving it (a loop over lanes would be one long chain of dependent additions).
static inline float portable_sum(portable_vector v) { return (v[0] + v[2]) + (v[1] + v[3]); }

#if defined(__x86_64__)
#include <immintrin.h>

FOVEA_AVX2_TARGET static inline float avx2_sum(avx2_vector v) {
    __m128 half = _mm_add_ps(_mm256_castps256_ps128((__m256)v), _mm256_extractf128_ps((__m256)v, 1));
    half = _mm_add_ps(half, _mm_movehl_ps(half, half));
    return _mm_cvtss_f32(_mm_add_ss(half, _mm_shuffle_ps(half, half, 1)));
}

FOVEA_AVX512_TARGET static inline float avx512_sum(avx512_vector v) { return _mm512_reduce_add_ps((__m512)v); }
#endif

// The most rows of A and of B a tile takes at any level (the sizes of a tile's accumulator arrays).
#define MAX_TILE 4

// One level's kernel: C in tiles of ROWS x COLUMNS values, each a vector of partial sums along k in registers (LANES
// values of k at a time, the last vector partly), summed across its lanes at the end. A tile's rows of A and of B stay
// in the level-1 cache while it runs down k. A's rows are given by pointers (a[i] is row i).
#define DEFINE_DOT_GEMM(NAME, TARGET, LANES, ROWS, COLUMNS)                                                          \
    TARGET __attribute__((always_inline)) static inline void NAME##_tile(                                           \
        const int rows, const int columns, int k, const float *const *a, const float *b, long ldb, float beta,      \
        float *c, long ldc) {                                                                                        \
        NAME##_vector sums[MAX_TILE][MAX_TILE];                                                                      \
        for (int i = 0; i < rows; i++)                                                                               \
            for (int j = 0; j < columns; j++) sums[i][j] = (NAME##_vector){0};                                       \
        int p = 0;                                                                                                   \
        for (; p + (LANES) <= k; p += (LANES)) {                                                                     \
            NAME##_vector x[MAX_TILE], y[MAX_TILE];                                                                  \
            for (int i = 0; i < rows; i++) x[i] = NAME##_load(a[i] + p);                                             \
            for (int j = 0; j < columns; j++) y[j] = NAME##_load(b + j * ldb + p);                                   \
            for (int i = 0; i < rows; i++)                                                                           \
                for (int j = 0; j < columns; j++) sums[i][j] += x[i] * y[j];                                         \
        }                                                                                                            \
        if (p < k) {                                                                                                 \
            NAME##_vector x[MAX_TILE], y[MAX_TILE];                                                                  \
            for (int i = 0; i < rows; i++) x[i] = NAME##_load_part(a[i] + p, k - p);                                 \
            for (int j = 0; j < columns; j++) y[j] = NAME##_load_part(b + j * ldb + p, k - p);                       \
            for (int i = 0; i < rows; i++)                                                                           \
                for (int j = 0; j < columns; j++) sums[i][j] += x[i] * y[j];                                         \
        }                                                                                                            \
        for (int i = 0; i < rows; i++) {                                                                             \
            for (int j = 0; j < columns; j++) {                                                                      \
                float total = NAME##_sum(sums[i][j]), *out = c + i * ldc + j;                                        \
                *out = beta == 0 ? total : total + beta * *out;                                                      \
            }                                                                                                        \
        }                                                                                                            \
    }                                                                                                                \
                                                                                                                     \
    /* The values of a partial tile (rows or columns short of a whole one), one dot product at a time. */          \
    TARGET static void NAME##_edge(                                                                                  \
        int rows, int columns, int k, const float *const *a, const float *b, long ldb, float beta, float *c,        \
        long ldc) {                                                                                                  \
        for (int j = 0; j < columns; j++) {                                                                          \
            for (int i = 0; i < rows; i++) NAME##_tile(1, 1, k, a + i, b + j * ldb, ldb, beta, c + i * ldc + j, ldc); \
        }                                                                                                            \
    }                                                                                                                \
                                                                                                                     \
    TARGET static void NAME##_dot_gemm_rows(                                                                         \
        int m, int n, int k, const float *const *a, const float *b, long ldb, float beta, float *c, long ldc) {      \
        int i = 0;                                                                                                   \
        for (; i + (ROWS) <= m; i += (ROWS)) {                                                                       \
            int j = 0;                                                                                               \
            for (; j + (COLUMNS) <= n; j += (COLUMNS)) {                                                             \
                NAME##_tile(ROWS, COLUMNS, k, a + i, b + j * ldb, ldb, beta, c + i * ldc + j, ldc);                  \
            }                                                                                                        \
            if (j < n) NAME##_edge(ROWS, n - j, k, a + i, b + j * ldb, ldb, beta, c + i * ldc + j, ldc);             \
        }                                                                                                            \
        if (i < m) NAME##_edge(m - i, n, k, a + i, b, ldb, beta, c + i * ldc, ldc);                                  \
    }                                                                                                                \
                                                                                                                     \
    /* A's rows lda apart: a tile's rows at a time, as pointers. */                                                  \
    TARGET static void NAME##_dot_gemm(                                                                              \
        int m, int n, int k, const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc) {   \
        for (int i = 0; i < m; i += (ROWS)) {                                                                        \
            const float *rows[ROWS];                                                                                 \
            int count = m - i < (ROWS) ? m - i : (ROWS);                                                             \
            for (int r = 0; r < count; r++) rows[r] = a + (long)(i + r) * lda;                                       \
            NAME##_dot_gemm_rows(count, n, k, rows, b, ldb, beta, c + i * ldc, ldc);                                 \
        }                                                                                                            \
    }

// Portable: four lanes, tiles of 2 x 4 (8 accumulators and 6 operands of 16 registers).
DEFINE_DOT_GEMM(portable, FOVEA_PORTABLE_TARGET, 4, 2, 4)

#if defined(__x86_64__)
// AVX2: eight lanes, 2 x 4 tiles (8 accumulators and 6 operands of 16 ymm registers).
DEFINE_DOT_GEMM(avx2, FOVEA_AVX2_TARGET, 8, 2, 4)
// AVX-512: sixteen lanes, 4 x 4 tiles (16 accumulators and 8 operands of 32 zmm registers).
DEFINE_DOT_GEMM(avx512, FOVEA_AVX512_TARGET, 16, 4, 4)
#endif

void fovea_dot_gemm(
    int level, int m, int n, int k, const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc) {
    FOVEA_DISPATCH(level, dot_gemm, m, n, k, a, lda, b, ldb, beta, c, ldc);
}

void fovea_dot_gemm_rows(
    int level, int m, int n, int k, const float *const *a, const float *b, long ldb, float beta, float *c, long ldc) {
    FOVEA_DISPATCH(level, dot_gemm_rows, m, n, k, a, b, ldb, beta, c, ldc);
}
