#include "packed_gemm.h"

#include "levels.h"

// The most rows a tile of C takes at any level (the sizes of a tile's accumulator arrays).
#define MAX_TILE_ROWS 8
// Values of k per pass over C: a pass's part of a panel (256 x 32 values at most, 32 KiB) stays in the level-1 cache
// while every tile of rows uses it, and its rows of A in the level-2 cache while every panel does.
#define K_CHUNK 256

// How a GEMM reads A: its parameters (A_PARAMS), A(r, p) from them (A_AT), and the parameters of the part of A
// from row i and column p0 on (A_FROM). Strided: A(i, p) at a[i * rs + p * cs]. By rows: A(i, p) at a[i][offset + p].
#define STRIDED_PARAMS const float *a, size_t rs, size_t cs
#define STRIDED_AT(r, p) a[(r) * rs + (p) * cs]
#define STRIDED_FROM(i, p0) a + (size_t)(i) * rs + (size_t)(p0) * cs, rs, cs
#define ROWS_PARAMS const float *const *a, size_t offset
#define ROWS_AT(r, p) a[r][offset + (p)]
#define ROWS_FROM(i, p0) a + (i), offset + (size_t)(p0)

// One level's kernels for one way of reading A (its functions named NAME_tileSUFFIX, NAME_gemmSUFFIX): C is computed
// in tiles of up to TILE_ROWS rows by one panel of two vectors (2 * LANES columns), the tile's accumulators in
// registers over a chunk of k, each step one row of the panel times one value of each of the tile's rows of A. A
// panel holds B's k rows of 2 * LANES values one after another, zero past n.
#define DEFINE_GEMM(NAME, SUFFIX, TARGET, LANES, TILE_ROWS, A_PARAMS, A_AT, A_FROM)                                   \
    TARGET __attribute__((always_inline)) static inline void NAME##_tile##SUFFIX(                                     \
        const int rows, int k, A_PARAMS, const float *panel, float beta, float *c, int ldc, int columns) {            \
        NAME##_vector low[MAX_TILE_ROWS], high[MAX_TILE_ROWS];                                                        \
        for (int r = 0; r < rows; r++) low[r] = high[r] = (NAME##_vector){0};                                         \
        for (int p = 0; p < k; p++) {                                                                                 \
            NAME##_vector b0 = NAME##_load(panel + (size_t)p * 2 * (LANES));                                          \
            NAME##_vector b1 = NAME##_load(panel + (size_t)p * 2 * (LANES) + (LANES));                                \
            for (int r = 0; r < rows; r++) {                                                                          \
                float x = A_AT(r, p);                                                                                 \
                low[r] += x * b0;                                                                                     \
                high[r] += x * b1;                                                                                    \
            }                                                                                                         \
        }                                                                                                             \
        for (int r = 0; r < rows; r++) {                                                                              \
            float *row = c + (size_t)r * ldc;                                                                         \
            if (columns == 2 * (LANES)) {                                                                             \
                if (beta != 0) {                                                                                      \
                    low[r] += beta * NAME##_load(row);                                                                \
                    high[r] += beta * NAME##_load(row + (LANES));                                                     \
                }                                                                                                     \
                NAME##_store(row, low[r]);                                                                            \
                NAME##_store(row + (LANES), high[r]);                                                                 \
            } else {                                                                                                  \
                int first = columns < (LANES) ? columns : (LANES), second = columns - first;                          \
                if (beta != 0) {                                                                                      \
                    low[r] += beta * NAME##_load_part(row, first);                                                    \
                    if (second > 0) high[r] += beta * NAME##_load_part(row + (LANES), second);                        \
                }                                                                                                     \
                NAME##_store_part(row, low[r], first);                                                                \
                if (second > 0) NAME##_store_part(row + (LANES), high[r], second);                                    \
            }                                                                                                         \
        }                                                                                                             \
    }                                                                                                                 \
                                                                                                                      \
    TARGET static void NAME##_gemm##SUFFIX(                                                                           \
        int m, int n, int k, A_PARAMS, const float *packed, float beta, float *c, int ldc) {                          \
        for (int p0 = 0; p0 < k; p0 += K_CHUNK) {                                                                     \
            int depth = k - p0 < K_CHUNK ? k - p0 : K_CHUNK;                                                          \
            float pass_beta = p0 == 0 ? beta : 1;                                                                     \
            for (int j = 0; j < n; j += 2 * (LANES)) {                                                                \
                const float *panel = packed + (size_t)j * k + (size_t)p0 * 2 * (LANES);                               \
                int columns = n - j < 2 * (LANES) ? n - j : 2 * (LANES);                                              \
                int i = 0;                                                                                            \
                for (; i + (TILE_ROWS) <= m; i += (TILE_ROWS)) {                                                      \
                    NAME##_tile##SUFFIX(                                                                              \
                        TILE_ROWS, depth, A_FROM(i, p0), panel, pass_beta, c + (size_t)i * ldc + j, ldc, columns);    \
                }                                                                                                     \
                float *out = c + (size_t)i * ldc + j;                                                                 \
                switch (m - i) {                                                                                      \
                case 1: NAME##_tile##SUFFIX(1, depth, A_FROM(i, p0), panel, pass_beta, out, ldc, columns); break;     \
                case 2: NAME##_tile##SUFFIX(2, depth, A_FROM(i, p0), panel, pass_beta, out, ldc, columns); break;     \
                case 3: NAME##_tile##SUFFIX(3, depth, A_FROM(i, p0), panel, pass_beta, out, ldc, columns); break;     \
                case 4: NAME##_tile##SUFFIX(4, depth, A_FROM(i, p0), panel, pass_beta, out, ldc, columns); break;     \
                case 5: NAME##_tile##SUFFIX(5, depth, A_FROM(i, p0), panel, pass_beta, out, ldc, columns); break;     \
                case 6: NAME##_tile##SUFFIX(6, depth, A_FROM(i, p0), panel, pass_beta, out, ldc, columns); break;     \
                case 7: NAME##_tile##SUFFIX(7, depth, A_FROM(i, p0), panel, pass_beta, out, ldc, columns); break;     \
                default: break;                                                                                       \
                }                                                                                                     \
            }                                                                                                         \
        }                                                                                                             \
    }

// One level's GEMMs: A strided (NAME_gemm) and A by rows (NAME_gemm_rows).
#define DEFINE_LEVEL(NAME, TARGET, LANES, TILE_ROWS)                                                                  \
    FOVEA_VECTORS(NAME, TARGET, LANES)                                                                                \
    DEFINE_GEMM(NAME, , TARGET, LANES, TILE_ROWS, STRIDED_PARAMS, STRIDED_AT, STRIDED_FROM)                           \
    DEFINE_GEMM(NAME, _rows, TARGET, LANES, TILE_ROWS, ROWS_PARAMS, ROWS_AT, ROWS_FROM)

// Portable: four lanes (SSE2 on x86-64, NEON on arm64), tiles of 6 rows (12 accumulators of 16 registers).
DEFINE_LEVEL(portable, FOVEA_PORTABLE_TARGET, 4, 6)

#if defined(__x86_64__)
// AVX2: eight lanes, 6-row tiles (12 of 16 ymm registers).
DEFINE_LEVEL(avx2, FOVEA_AVX2_TARGET, 8, 6)
// AVX-512: sixteen lanes, 8-row tiles (16 of 32 zmm registers).
DEFINE_LEVEL(avx512, FOVEA_AVX512_TARGET, 16, 8)
#endif

int fovea_panel_width(int level) {
    switch (fovea_usable_level(level)) {
    case FOVEA_SIMD_AVX512: return 32;
    case FOVEA_SIMD_AVX2: return 16;
    default: return 8;
    }
}

size_t fovea_packed_floats(int level, int k, int n) {
    size_t width = (size_t)fovea_panel_width(level);
    return ((size_t)n + width - 1) / width * width * (size_t)k;
}

void fovea_pack(int level, int k, int n, const float *b, int ldb, int transposed, float *packed) {
    int width = fovea_panel_width(level);
    for (int j0 = 0; j0 < n; j0 += width) {
        float *panel = packed + (size_t)j0 * k;
        int columns = n - j0 < width ? n - j0 : width;
        if (columns < width) memset(panel, 0, (size_t)k * width * sizeof(float));
        if (transposed) {
            // Column j of B is row j of the matrix at b. Blocks of 8 x 8 keep the rows read and the panel rows written
            // in cache: column by column, each pass over a panel of large k would stream the whole panel again.
            for (int jb = 0; jb < columns; jb += 8) {
                int jn = columns - jb < 8 ? columns - jb : 8;
                for (int pb = 0; pb < k; pb += 8) {
                    int pn = k - pb < 8 ? k - pb : 8;
                    for (int q = 0; q < pn; q++) {
                        float *row = panel + (size_t)(pb + q) * width + jb;
                        const float *source = b + (size_t)(j0 + jb) * ldb + pb + q;
                        for (int jj = 0; jj < jn; jj++) row[jj] = source[(size_t)jj * ldb];
                    }
                }
            }
        } else {
            for (int p = 0; p < k; p++) {
                memcpy(panel + (size_t)p * width, b + (size_t)p * ldb + j0, (size_t)columns * sizeof(float));
            }
        }
    }
}

void fovea_packed_gemm(
    int level, int m, int n, int k, const float *a, int lda, int transposed_a, const float *packed, float beta,
    float *c, int ldc) {
    size_t rs = transposed_a ? 1 : (size_t)lda, cs = transposed_a ? (size_t)lda : 1;
    FOVEA_DISPATCH(level, gemm, m, n, k, a, rs, cs, packed, beta, c, ldc);
}

void fovea_packed_gemm_rows(
    int level, int m, int n, int k, const float *const *rows, const float *packed, float beta, float *c, int ldc) {
    FOVEA_DISPATCH(level, gemm_rows, m, n, k, rows, 0, packed, beta, c, ldc);
}
