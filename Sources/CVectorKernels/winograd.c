#include "winograd.h"

#include "levels.h"

// Lane indices of __builtin_shufflevector per vector width: the even and odd floats of two vectors (a row's columns
// split by parity), and the low and high halves of two vectors' lanes interleaved (a tile's two output columns side by
// side).
#define EVEN_4 0, 2, 4, 6
#define ODD_4 1, 3, 5, 7
#define LOW_4 0, 4, 1, 5
#define HIGH_4 2, 6, 3, 7
#define EVEN_8 0, 2, 4, 6, 8, 10, 12, 14
#define ODD_8 1, 3, 5, 7, 9, 11, 13, 15
#define LOW_8 0, 8, 1, 9, 2, 10, 3, 11
#define HIGH_8 4, 12, 5, 13, 6, 14, 7, 15
#define EVEN_16 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30
#define ODD_16 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31
#define LOW_16 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23
#define HIGH_16 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31
#define PASTE(A, B) A##B
#define LANE_LIST(KIND, LANES) PASTE(KIND##_, LANES)

// Floats of a padded row: a tile row's 2 * tiles_wide + 2 columns, plus the widest level's reads past them.
static size_t padded_row(struct fovea_tile_plane p) { return 2 * (size_t)p.tiles_wide + 48; }

// row[x + pad] = line[x] for the columns that land in 0 ..< n; zero elsewhere, and everywhere when `line` is NULL.
static void pad_row(const float *line, int width, int pad, size_t n, float *row) {
    long first = pad < 0 ? -pad : 0, last = width < (long)n - pad ? width : (long)n - pad;
    if (line == NULL || last <= first) {
        memset(row, 0, n * sizeof(float));
        return;
    }
    memset(row, 0, (size_t)(first + pad) * sizeof(float));
    memcpy(row + first + pad, line + first, (size_t)(last - first) * sizeof(float));
    memset(row + last + pad, 0, (n - (size_t)(last + pad)) * sizeof(float));
}

size_t fovea_winograd_input_scratch(struct fovea_tile_plane plane, int tile_rows) {
    return (2 * (size_t)tile_rows + 2) * padded_row(plane);
}

size_t fovea_winograd_gradient_scratch(struct fovea_tile_plane plane) { return 2 * padded_row(plane); }

// Each level's vectors (levels.h), and loads and stores of a vector's first `count` lanes that stay within them:
// masked on AVX2 and AVX-512, where a memcpy of a variable length would be a library call per vector.
FOVEA_FOR_EACH_LEVEL(FOVEA_VECTORS)

static inline void portable_put_lanes(float *p, portable_vector v, int count) {
    if (count == 4) {
        portable_store(p, v);
        return;
    }
    for (int l = 0; l < count; l++) p[l] = v[l];
}

static inline portable_vector portable_get_lanes(const float *p, int count) {
    if (count == 4) return portable_load(p);
    portable_vector v = {0};
    for (int l = 0; l < count; l++) v[l] = p[l];
    return v;
}

#if defined(__x86_64__)
#include <immintrin.h>

FOVEA_AVX2_TARGET static inline __m256i avx2_mask(int count) {
    const avx2_ints lanes = {0, 1, 2, 3, 4, 5, 6, 7};
    return (__m256i)(lanes < count);
}

FOVEA_AVX2_TARGET static inline void avx2_put_lanes(float *p, avx2_vector v, int count) {
    if (count == 8) {
        avx2_store(p, v);
        return;
    }
    _mm256_maskstore_ps(p, avx2_mask(count), (__m256)v);
}

FOVEA_AVX2_TARGET static inline avx2_vector avx2_get_lanes(const float *p, int count) {
    if (count == 8) return avx2_load(p);
    return (avx2_vector)_mm256_maskload_ps(p, avx2_mask(count));
}

FOVEA_AVX512_TARGET static inline void avx512_put_lanes(float *p, avx512_vector v, int count) {
    if (count == 16) {
        avx512_store(p, v);
        return;
    }
    _mm512_mask_storeu_ps(p, (__mmask16)((1u << count) - 1), (__m512)v);
}

FOVEA_AVX512_TARGET static inline avx512_vector avx512_get_lanes(const float *p, int count) {
    if (count == 16) return avx512_load(p);
    return (avx512_vector)_mm512_maskz_loadu_ps((__mmask16)((1u << count) - 1), p);
}
#endif

// One level's transforms, LANES tile columns at a time (the last vector of a tile row partly).
#define DEFINE_WINOGRAD(NAME, TARGET, LANES)                                                                         \
    /* Writes value xi of `count` tiles from `tile` on, crossing into the next panel where the layout has one. */   \
    TARGET static inline void NAME##_put(                                                                            \
        float *v, struct fovea_tile_layout layout, long tile, const NAME##_vector values[16], int count) {           \
        long offset = tile % layout.panel_width, at = tile / layout.panel_width * layout.panel_stride + offset;      \
        if (offset + count <= layout.panel_width) {                                                                  \
            for (int xi = 0; xi < 16; xi++) NAME##_put_lanes(v + xi * layout.slice_stride + at, values[xi], count);  \
            return;                                                                                                  \
        }                                                                                                            \
        for (int xi = 0; xi < 16; xi++) {                                                                            \
            float lanes[LANES];                                                                                      \
            memcpy(lanes, &values[xi], sizeof lanes);                                                                \
            for (int l = 0; l < count; l++) {                                                                        \
                long t = tile + l;                                                                                   \
                v[xi * layout.slice_stride + t / layout.panel_width * layout.panel_stride + t % layout.panel_width] = \
                    lanes[l];                                                                                        \
            }                                                                                                        \
        }                                                                                                            \
    }                                                                                                                \
                                                                                                                     \
    /* The even and odd columns of row[0 ..< 2 * LANES]. */                                                          \
    TARGET static inline void NAME##_split(const float *row, NAME##_vector *even, NAME##_vector *odd) {              \
        NAME##_vector low = NAME##_load(row), high = NAME##_load(row + (LANES));                                     \
        *even = __builtin_shufflevector(low, high, LANE_LIST(EVEN, LANES));                                          \
        *odd = __builtin_shufflevector(low, high, LANE_LIST(ODD, LANES));                                            \
    }                                                                                                                \
                                                                                                                     \
    TARGET static void NAME##_input(                                                                                 \
        const float *x, struct fovea_tile_plane p, int first_row, int tile_rows, float *scratch, float *v,           \
        struct fovea_tile_layout layout, int first_tile) {                                                           \
        size_t n = padded_row(p);                                                                                    \
        for (int j = 0; j < 2 * tile_rows + 2; j++) {                                                                \
            int y = 2 * first_row - p.pad_top + j;                                                                   \
            const float *line = y >= 0 && y < p.height ? x + (size_t)y * p.width : NULL;                             \
            pad_row(line, p.width, p.pad_left, n, scratch + j * n);                                                  \
        }                                                                                                            \
        for (int t = 0; t < tile_rows; t++) {                                                                        \
            for (int tw = 0; tw < p.tiles_wide; tw += (LANES)) {                                                     \
                int count = p.tiles_wide - tw < (LANES) ? p.tiles_wide - tw : (LANES);                               \
                /* Patch row r, columns 2tw + (0, 1, 2, 3) of each tile: a, b, c, d. */      \
                NAME##_vector a[4], b[4], c[4], d[4];                                                                \
                for (int r = 0; r < 4; r++) {                                                                        \
                    const float *row = scratch + (2 * t + r) * n + 2 * tw;                                           \
                    NAME##_split(row, &a[r], &b[r]);                                                                 \
                    NAME##_split(row + 2, &c[r], &d[r]);                                                             \
                }                                                                                                    \
                /* Rows of B^T d: d0 - d2, d1 + d2, d2 - d1, d1 - d3 (each its four columns); then B along each. */  \
                NAME##_vector rows[4][4] = {                                                                         \
                    {a[0] - a[2], b[0] - b[2], c[0] - c[2], d[0] - d[2]},                                            \
                    {a[1] + a[2], b[1] + b[2], c[1] + c[2], d[1] + d[2]},                                            \
                    {a[2] - a[1], b[2] - b[1], c[2] - c[1], d[2] - d[1]},                                            \
                    {a[1] - a[3], b[1] - b[3], c[1] - c[3], d[1] - d[3]}};                                           \
                NAME##_vector out[16];                                                                               \
                for (int i = 0; i < 4; i++) {                                                                        \
                    out[4 * i] = rows[i][0] - rows[i][2];                                                            \
                    out[4 * i + 1] = rows[i][1] + rows[i][2];                                                        \
                    out[4 * i + 2] = rows[i][2] - rows[i][1];                                                        \
                    out[4 * i + 3] = rows[i][1] - rows[i][3];                                                        \
                }                                                                                                    \
                NAME##_put(v, layout, (long)first_tile + (long)t * p.tiles_wide + tw, out, count);                   \
            }                                                                                                        \
        }                                                                                                            \
    }                                                                                                                \
                                                                                                                     \
    TARGET static void NAME##_output(                                                                                \
        const float *m, long slice_stride, struct fovea_tile_plane p, int first_row, int tile_rows, float bias,      \
        float *y) {                                                                                                  \
        for (int t = 0; t < tile_rows; t++) {                                                                        \
            int th = first_row + t, rows = p.height - 2 * th < 2 ? p.height - 2 * th : 2;                            \
            float *top = y + (size_t)2 * th * p.width;                                                               \
            const float *tiles = m + (size_t)t * p.tiles_wide;                                                       \
            for (int tw = 0; tw < p.tiles_wide; tw += (LANES)) {                                                     \
                int count = p.tiles_wide - tw < (LANES) ? p.tiles_wide - tw : (LANES);                               \
                /* A^T down the columns: s = m0 + m1 + m2, e = m1 - m2 - m3 for each column j. */                    \
                NAME##_vector s[4], e[4];                                                                            \
                for (int j = 0; j < 4; j++) {                                                                        \
                    NAME##_vector m0 = NAME##_get_lanes(tiles + tw + j * slice_stride, count);                       \
                    NAME##_vector m1 = NAME##_get_lanes(tiles + tw + (4 + j) * slice_stride, count);                 \
                    NAME##_vector m2 = NAME##_get_lanes(tiles + tw + (8 + j) * slice_stride, count);                 \
                    NAME##_vector m3 = NAME##_get_lanes(tiles + tw + (12 + j) * slice_stride, count);                \
                    s[j] = m0 + m1 + m2;                                                                             \
                    e[j] = m1 - m2 - m3;                                                                             \
                }                                                                                                    \
                /* A along the rows: (v0 + v1 + v2, v1 - v2 - v3), the two columns of each tile side by side. */     \
                int x = 2 * tw, width = p.width - x < 2 * (LANES) ? p.width - x : 2 * (LANES);                       \
                for (int r = 0; r < rows; r++) {                                                                     \
                    const NAME##_vector *q = r == 0 ? s : e;                                                         \
                    NAME##_vector left = q[0] + q[1] + q[2] + bias, right = q[1] - q[2] - q[3] + bias;               \
                    NAME##_vector low = __builtin_shufflevector(left, right, LANE_LIST(LOW, LANES));                 \
                    NAME##_vector high = __builtin_shufflevector(left, right, LANE_LIST(HIGH, LANES));               \
                    float *out = top + (size_t)r * p.width + x;                                                      \
                    NAME##_put_lanes(out, low, width < (LANES) ? width : (LANES));                                   \
                    if (width > (LANES)) NAME##_put_lanes(out + (LANES), high, width - (LANES));                     \
                }                                                                                                    \
            }                                                                                                        \
        }                                                                                                            \
    }                                                                                                                \
                                                                                                                     \
    TARGET static void NAME##_gradient(                                                                              \
        const float *dy, struct fovea_tile_plane p, int first_row, int tile_rows, float *scratch, float *v,          \
        struct fovea_tile_layout layout, int first_tile) {                                                           \
        size_t n = padded_row(p);                                                                                    \
        for (int t = 0; t < tile_rows; t++) {                                                                        \
            for (int r = 0; r < 2; r++) {                                                                            \
                int y = 2 * (first_row + t) + r;                                                                     \
                pad_row(y < p.height ? dy + (size_t)y * p.width : NULL, p.width, 0, n, scratch + r * n);             \
            }                                                                                                        \
            for (int tw = 0; tw < p.tiles_wide; tw += (LANES)) {                                                     \
                int count = p.tiles_wide - tw < (LANES) ? p.tiles_wide - tw : (LANES);                               \
                /* e, o: the even and odd columns of the block's first row; f, q: of its second. */                  \
                NAME##_vector e, o, f, q;                                                                            \
                NAME##_split(scratch + 2 * tw, &e, &o);                                                              \
                NAME##_split(scratch + n + 2 * tw, &f, &q);                                                          \
                /* Rows of A dY: (e, o), (e + f, o + q), (e - f, o - q), (-f, -q); (u, w) -> (u, u + w, u - w, -w). */ \
                NAME##_vector rows[4][2] = {{e, o}, {e + f, o + q}, {e - f, o - q}, {-f, -q}};                       \
                NAME##_vector out[16];                                                                               \
                for (int i = 0; i < 4; i++) {                                                                        \
                    NAME##_vector u = rows[i][0], w = rows[i][1];                                                    \
                    out[4 * i] = u;                                                                                  \
                    out[4 * i + 1] = u + w;                                                                          \
                    out[4 * i + 2] = u - w;                                                                          \
                    out[4 * i + 3] = -w;                                                                             \
                }                                                                                                    \
                NAME##_put(v, layout, (long)first_tile + (long)t * p.tiles_wide + tw, out, count);                   \
            }                                                                                                        \
        }                                                                                                            \
    }

FOVEA_FOR_EACH_LEVEL(DEFINE_WINOGRAD)

// `level`, lowered to the widest whose vectors a tile row fills (eight tile columns and fewer run on AVX2, four and
// fewer on the portable level: a wider vector would be mostly empty).
static int row_level(int level, struct fovea_tile_plane plane) {
    if (plane.tiles_wide <= 4) return FOVEA_SIMD_PORTABLE;
    if (plane.tiles_wide <= 8 && level > FOVEA_SIMD_AVX2) return FOVEA_SIMD_AVX2;
    return level;
}

void fovea_winograd_input(
    int level, const float *x, struct fovea_tile_plane plane, int first_row, int tile_rows, float *scratch, float *v,
    struct fovea_tile_layout layout, int first_tile) {
    FOVEA_DISPATCH(row_level(level, plane), input, x, plane, first_row, tile_rows, scratch, v, layout, first_tile);
}

void fovea_winograd_output(
    int level, const float *m, long slice_stride, struct fovea_tile_plane plane, int first_row, int tile_rows,
    float bias, float *y) {
    FOVEA_DISPATCH(row_level(level, plane), output, m, slice_stride, plane, first_row, tile_rows, bias, y);
}

void fovea_winograd_gradient(
    int level, const float *dy, struct fovea_tile_plane plane, int first_row, int tile_rows, float *scratch, float *v,
    struct fovea_tile_layout layout, int first_tile) {
    FOVEA_DISPATCH(row_level(level, plane), gradient, dy, plane, first_row, tile_rows, scratch, v, layout, first_tile);
}
