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

// Floats of a padded row: a tile row's tile * tiles_wide + 2 columns, plus the widest level's reads past them.
static size_t padded_row(struct fovea_tile_plane p) {
    return (size_t)p.tile * p.tiles_wide + 16 * (size_t)p.tile + 16;
}

// The columns of a padded row that its tiles use. Only these are written: the reads past them land in lanes (or the
// unused columns of a patch) whose results are dropped. Zeroing whole padded rows had taken as long as the copies.
static size_t used_columns(struct fovea_tile_plane p) { return (size_t)p.tile * p.tiles_wide + 2; }

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

// Where an output transform writes the runs of its tiles (a vector's tiles, LANES / tile to a run): run q's output
// row r at at[q] + r * row_stride, for its first rows[q] rows, lanes[q] floats of each.
struct output_runs {
    float *at[4];
    int rows[4], lanes[4];
    long row_stride;
};

// Floats of a strip: `tile` columns for each tile of `tile_rows` tile rows, plus the widest level's reads past them.
static size_t strip_length(struct fovea_tile_plane p, int tile_rows) {
    return (size_t)p.tile * p.tiles_wide * tile_rows + 16 * (size_t)p.tile;
}

// The input rows of tile rows first_row ..< first_row + tile_rows, padded, one after another in scratch.
static void pad_rows(const float *x, struct fovea_tile_plane p, int first_row, int tile_rows, float *scratch) {
    size_t n = padded_row(p);
    for (int j = 0; j < p.tile * tile_rows + 2; j++) {
        int y = p.tile * first_row - p.pad_top + j;
        const float *line = y >= 0 && y < p.height ? x + (size_t)y * p.width : NULL;
        pad_row(line, p.width, p.pad_left, used_columns(p), scratch + j * n);
    }
}

// Two strips per patch row r (0 ..< tile + 2), for the tiles of tile rows first_row ..< first_row + tile_rows counted
// k = 0, 1, ... along the rows: strip 2r holds input row tile * th - pad_top + r of each tile row th, its padded
// columns 0 ..< tile * tiles_wide, strip 2r + 1 the same from padded column `tile` on. Tile k's patch row r is then
// columns tile * k + (0 ..< tile) of the first and tile * k + (0, 1) of the second: the tiles of several short tile
// rows fill one vector. The rows are padded first (after the strips), then copied 4 floats at a time: a segment is
// short (the strips serve fewer than 8 tile columns), and library calls per segment cost more than the copy.
static void fill_strips(const float *x, struct fovea_tile_plane p, int first_row, int tile_rows, float *scratch) {
    size_t segment = (size_t)p.tile * p.tiles_wide, length = strip_length(p, tile_rows), n = padded_row(p);
    float *rows = scratch + 2 * ((size_t)p.tile + 2) * length;
    pad_rows(x, p, first_row, tile_rows, rows);
    for (int r = 0; r < p.tile + 2; r++) {
        float *first = scratch + 2 * r * length, *second = first + length;
        for (int t = 0; t < tile_rows; t++) {
            const float *row = rows + ((size_t)p.tile * t + r) * n;
            for (size_t c = 0; c < segment; c += 4) {
                memcpy(first + t * segment + c, row + c, 4 * sizeof(float));
                memcpy(second + t * segment + c, row + p.tile + c, 4 * sizeof(float));
            }
        }
        memset(first + tile_rows * segment, 0, (length - tile_rows * segment) * sizeof(float));
        memset(second + tile_rows * segment, 0, (length - tile_rows * segment) * sizeof(float));
    }
}

size_t fovea_winograd_input_scratch(struct fovea_tile_plane plane, int tile_rows) {
    size_t rows = ((size_t)plane.tile * tile_rows + 2) * padded_row(plane);
    return 2 * ((size_t)plane.tile + 2) * strip_length(plane, tile_rows) + rows;
}

// The output rows of tile rows first_row ..< first_row + tile_rows from `tile` strips, one per output row r of a tile
// row (tile k's columns tile * k + (0 ..< tile) of each): output row tile * th + r is strip r's segment for tile row
// th, cut to the plane.
static void empty_strips(struct fovea_tile_plane p, int first_row, int tile_rows, const float *scratch, float *y) {
    size_t segment = (size_t)p.tile * p.tiles_wide, length = strip_length(p, tile_rows);
    for (int t = 0; t < tile_rows; t++) {
        for (int r = 0; r < p.tile; r++) {
            int row = p.tile * (first_row + t) + r;
            if (row >= p.height) break;
            const float *strip = scratch + r * length + t * segment;
            for (int c = 0; c < p.width; c++) y[(size_t)row * p.width + c] = strip[c];
        }
    }
}

size_t fovea_winograd_output_scratch(struct fovea_tile_plane plane, int tile_rows) {
    return (size_t)plane.tile * strip_length(plane, tile_rows);
}

// G of F(2x2, 3x3) and of F(4x4, 3x3) (interpolation points 0, 1, -1 and 0, 1, -1, 2, -2, with infinity).
static const float filter_g2[4][3] = {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};
static const float filter_g4[6][3] = {
    {1 / 4.0f, 0, 0},
    {-1 / 6.0f, -1 / 6.0f, -1 / 6.0f},
    {-1 / 6.0f, 1 / 6.0f, -1 / 6.0f},
    {1 / 24.0f, 1 / 12.0f, 1 / 6.0f},
    {1 / 24.0f, -1 / 12.0f, 1 / 6.0f},
    {0, 0, 1}};

void fovea_winograd_filter(int tile, const float *f, int flipped, float *u, long stride) {
    int a = tile + 2;
    const float(*g)[3] = tile == 4 ? filter_g4 : filter_g2;
    float taps[3][3], rows[6][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) taps[i][j] = flipped ? f[(2 - i) * 3 + 2 - j] : f[i * 3 + j];
    for (int r = 0; r < a; r++)
        for (int j = 0; j < 3; j++) rows[r][j] = g[r][0] * taps[0][j] + g[r][1] * taps[1][j] + g[r][2] * taps[2][j];
    for (int r = 0; r < a; r++)
        for (int c = 0; c < a; c++)
            u[(r * a + c) * stride] = g[c][0] * rows[r][0] + g[c][1] * rows[r][1] + g[c][2] * rows[r][2];
}

void fovea_winograd_filter_gradient(int tile, const float *du, long stride, float *f) {
    int a = tile + 2;
    const float(*g)[3] = tile == 4 ? filter_g4 : filter_g2;
    float rows[6][3];
    for (int r = 0; r < a; r++)
        for (int j = 0; j < 3; j++) {
            float sum = 0;
            for (int c = 0; c < a; c++) sum += du[(r * a + c) * stride] * g[c][j];
            rows[r][j] = sum;
        }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            float sum = 0;
            for (int r = 0; r < a; r++) sum += g[r][i] * rows[r][j];
            f[i * 3 + j] = sum;
        }
}

size_t fovea_winograd_gradient_scratch(struct fovea_tile_plane plane, int tile_rows) {
    return plane.tile == 4 ? fovea_winograd_input_scratch(plane, tile_rows) : 2 * padded_row(plane);
}

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
    /* Writes values 0 ..< slices of `count` tiles from `tile` on, crossing into the next panel where the layout has \
       one. */                                                                                                       \
    TARGET static inline void NAME##_put(                                                                            \
        float *v, struct fovea_tile_layout layout, long tile, const NAME##_vector *values, int slices, int count) {  \
        long offset = tile % layout.panel_width, at = tile / layout.panel_width * layout.panel_stride + offset;      \
        if (offset + count <= layout.panel_width) {                                                                  \
            for (int xi = 0; xi < slices; xi++)                                                                      \
                NAME##_put_lanes(v + xi * layout.slice_stride + at, values[xi], count);                              \
            return;                                                                                                  \
        }                                                                                                            \
        for (int xi = 0; xi < slices; xi++) {                                                                        \
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
    /* The even and odd floats of the 2 * LANES floats of low and high. */                                           \
    TARGET static inline void NAME##_unzip(                                                                          \
        NAME##_vector low, NAME##_vector high, NAME##_vector *even, NAME##_vector *odd) {                            \
        *even = __builtin_shufflevector(low, high, LANE_LIST(EVEN, LANES));                                          \
        *odd = __builtin_shufflevector(low, high, LANE_LIST(ODD, LANES));                                            \
    }                                                                                                                \
                                                                                                                     \
    /* The even and odd columns of row[0 ..< 2 * LANES]. */                                                          \
    TARGET static inline void NAME##_split(const float *row, NAME##_vector *even, NAME##_vector *odd) {              \
        NAME##_unzip(NAME##_load(row), NAME##_load(row + (LANES)), even, odd);                                       \
    }                                                                                                                \
                                                                                                                     \
    /* Columns 0, 1, 2, 3 (mod 4) of the 4 * LANES floats at[0][0 ..< LANES], ..., at[3][0 ..< LANES], each moved    \
       `shift` floats on: the even and odd of the even columns, of the odd. */                                       \
    TARGET static inline void NAME##_split4(const float *const at[4], size_t shift, NAME##_vector column[4]) {       \
        NAME##_vector even[2], odd[2];                                                                               \
        NAME##_unzip(NAME##_load(at[0] + shift), NAME##_load(at[1] + shift), &even[0], &odd[0]);                     \
        NAME##_unzip(NAME##_load(at[2] + shift), NAME##_load(at[3] + shift), &even[1], &odd[1]);                     \
        NAME##_unzip(even[0], even[1], &column[0], &column[2]);                                                      \
        NAME##_unzip(odd[0], odd[1], &column[1], &column[3]);                                                        \
    }                                                                                                                \
                                                                                                                     \
    /* o = B^T d for F(4x4)'s six values d (B^T's rows 4d0 - 5d2 + d4, -4d1 - 4d2 + d3 + d4, 4d1 - 4d2 - d3 + d4,    \
       -2d1 - d2 + 2d3 + d4, 2d1 - d2 - 2d3 + d4, 4d1 - 5d3 + d5). */                                                \
    TARGET static inline void NAME##_bt6(const NAME##_vector d[6], NAME##_vector o[6]) {                             \
        NAME##_vector a = d[4] - 4.0f * d[2], b = d[3] - 4.0f * d[1], c = d[4] - d[2], e = 2.0f * (d[3] - d[1]);     \
        o[0] = 4.0f * d[0] - 5.0f * d[2] + d[4];                                                                     \
        o[1] = a + b;                                                                                                \
        o[2] = a - b;                                                                                                \
        o[3] = c + e;                                                                                                \
        o[4] = c - e;                                                                                                \
        o[5] = 4.0f * d[1] - 5.0f * d[3] + d[5];                                                                     \
    }                                                                                                                \
                                                                                                                     \
    /* o = A^T m for F(4x4)'s six values m (A^T's rows m0 + m1 + m2 + m3 + m4, m1 - m2 + 2(m3 - m4),                 \
       m1 + m2 + 4(m3 + m4), m1 - m2 + 8(m3 - m4) + m5). */                                                          \
    TARGET static inline void NAME##_at6(const NAME##_vector m[6], NAME##_vector o[4]) {                             \
        NAME##_vector sum12 = m[1] + m[2], difference12 = m[1] - m[2];                                               \
        NAME##_vector sum34 = m[3] + m[4], difference34 = m[3] - m[4];                                               \
        o[0] = m[0] + sum12 + sum34;                                                                                 \
        o[1] = difference12 + 2.0f * difference34;                                                                   \
        o[2] = sum12 + 4.0f * sum34;                                                                                 \
        o[3] = difference12 + 8.0f * difference34 + m[5];                                                            \
    }                                                                                                                \
                                                                                                                     \
    /* o = A d for F(4x4)'s four values d (A's rows d0, d0 + d1 + d2 + d3, d0 - d1 + d2 - d3, d0 + 2d1 + 4d2 + 8d3,  \
       d0 - 2d1 + 4d2 - 8d3, d3): the adjoint of `at6`. */                                                           \
    TARGET static inline void NAME##_a6(const NAME##_vector d[4], NAME##_vector o[6]) {                              \
        NAME##_vector even = d[0] + d[2], odd = d[1] + d[3];                                                         \
        NAME##_vector near = d[0] + 4.0f * d[2], far = 2.0f * d[1] + 8.0f * d[3];                                    \
        o[0] = d[0];                                                                                                 \
        o[1] = even + odd;                                                                                           \
        o[2] = even - odd;                                                                                           \
        o[3] = near + far;                                                                                           \
        o[4] = near - far;                                                                                           \
        o[5] = d[3];                                                                                                 \
    }                                                                                                                \
                                                                                                                     \
    /* F(2x2)'s B^T d B for LANES tiles, each `tile` floats of a run: patch row r's columns 0 ..< tile of the tiles of \
       run q (LANES / tile of them) at at[q] + r * stride, and their next columns from `beyond` further on (the next \
       tile's in a padded row, or a strip's). */                                                                     \
    TARGET static inline void NAME##_patches2(                                                                       \
        const float *const at[2], size_t stride, size_t beyond, NAME##_vector out[16]) {                             \
        /* Patch row r, columns 0, 1, 2, 3 of each tile: a, b, c, d. */                                              \
        NAME##_vector a[4], b[4], c[4], d[4];                                                                        \
        for (int r = 0; r < 4; r++) {                                                                                \
            size_t row = r * stride;                                                                                 \
            NAME##_unzip(NAME##_load(at[0] + row), NAME##_load(at[1] + row), &a[r], &b[r]);                          \
            NAME##_unzip(NAME##_load(at[0] + row + beyond), NAME##_load(at[1] + row + beyond), &c[r], &d[r]);        \
        }                                                                                                            \
        /* Rows of B^T d: d0 - d2, d1 + d2, d2 - d1, d1 - d3 (each its four columns); then B along each. */          \
        NAME##_vector rows[4][4] = {                                                                                 \
            {a[0] - a[2], b[0] - b[2], c[0] - c[2], d[0] - d[2]},                                                    \
            {a[1] + a[2], b[1] + b[2], c[1] + c[2], d[1] + d[2]},                                                    \
            {a[2] - a[1], b[2] - b[1], c[2] - c[1], d[2] - d[1]},                                                    \
            {a[1] - a[3], b[1] - b[3], c[1] - c[3], d[1] - d[3]}};                                                   \
        for (int i = 0; i < 4; i++) {                                                                                \
            out[4 * i] = rows[i][0] - rows[i][2];                                                                    \
            out[4 * i + 1] = rows[i][1] + rows[i][2];                                                                \
            out[4 * i + 2] = rows[i][2] - rows[i][1];                                                                \
            out[4 * i + 3] = rows[i][1] - rows[i][3];                                                                \
        }                                                                                                            \
    }                                                                                                                \
                                                                                                                     \
    /* F(4x4)'s B^T d B for LANES tiles, from patches as `patches2`'s: B^T along each patch row (columns 6 and 7 of  \
       split4's second call unused), then down each column. */                                                       \
    TARGET static inline void NAME##_patches4(                                                                       \
        const float *const at[4], size_t stride, size_t beyond, NAME##_vector out[36]) {                             \
        NAME##_vector across[6][6];                                                                                  \
        for (int r = 0; r < 6; r++) {                                                                                \
            NAME##_vector d[8];                                                                                      \
            NAME##_split4(at, r * stride, d);                                                                        \
            NAME##_split4(at, r * stride + beyond, d + 4);                                                           \
            NAME##_bt6(d, across[r]);                                                                                \
        }                                                                                                            \
        for (int j = 0; j < 6; j++) {                                                                                \
            NAME##_vector column[6] = {                                                                              \
                across[0][j], across[1][j], across[2][j], across[3][j], across[4][j], across[5][j]};                 \
            NAME##_vector down[6];                                                                                   \
            NAME##_bt6(column, down);                                                                                \
            for (int i = 0; i < 6; i++) out[6 * i + j] = down[i];                                                    \
        }                                                                                                            \
    }                                                                                                                \
                                                                                                                     \
    /* F(4x4)'s A dY A^T for the 4x4 output-gradient blocks of LANES tiles, from runs as `patches4`'s (rows 0 ..< 4): \
       A along each block row, then down each column. */                                                             \
    TARGET static inline void NAME##_blocks4(const float *const at[4], size_t stride, NAME##_vector out[36]) {       \
        NAME##_vector across[4][6];                                                                                  \
        for (int r = 0; r < 4; r++) {                                                                                \
            NAME##_vector d[4];                                                                                      \
            NAME##_split4(at, r * stride, d);                                                                        \
            NAME##_a6(d, across[r]);                                                                                 \
        }                                                                                                            \
        for (int j = 0; j < 6; j++) {                                                                                \
            NAME##_vector column[4] = {across[0][j], across[1][j], across[2][j], across[3][j]}, down[6];             \
            NAME##_a6(column, down);                                                                                 \
            for (int i = 0; i < 6; i++) out[6 * i + j] = down[i];                                                    \
        }                                                                                                            \
    }                                                                                                                \
                                                                                                                     \
    /* B^T d B of `count` tiles (A dY A^T of their output-gradient blocks when `gradient`), from patches as          \
       `patches2`'s, written for tiles from `tile` on. */                                                            \
    TARGET static inline void NAME##_patches(                                                                        \
        const float *const at[4], size_t stride, size_t beyond, int size, int gradient, float *v,                    \
        struct fovea_tile_layout layout, long tile, int count) {                                                     \
        NAME##_vector out[36];                                                                                       \
        if (gradient) {                                                                                              \
            NAME##_blocks4(at, stride, out);                                                                         \
        } else if (size == 4) {                                                                                      \
            NAME##_patches4(at, stride, beyond, out);                                                                \
        } else {                                                                                                     \
            NAME##_patches2(at, stride, beyond, out);                                                                \
        }                                                                                                            \
        NAME##_put(v, layout, tile, out, (size + 2) * (size + 2), count);                                            \
    }                                                                                                                \
                                                                                                                     \
    /* Along each tile row where it fills a vector. Otherwise across the tile rows: from the padded rows where each  \
       run of LANES / tile tiles lies in one tile row (tiles_wide a multiple of a run), else from strips. Measured   \
       on F(4x4)'s 8 tile columns of 32x32 planes (16 -> 16 channels, batch 64, AVX-512): from the padded rows 0.85x \
       the time of the strips, which had taken 0.8x the time of AVX2 along the rows. */                              \
    TARGET static void NAME##_input(                                                                                 \
        const float *x, struct fovea_tile_plane p, int first_row, int tile_rows, int gradient, float *scratch,       \
        float *v, struct fovea_tile_layout layout, int first_tile) {                                                 \
        int tiles = tile_rows * p.tiles_wide, per_run = (LANES) / p.tile;                                            \
        const float *at[4];                                                                                          \
        if (p.tiles_wide >= (LANES)) {                                                                               \
            size_t n = padded_row(p);                                                                                \
            pad_rows(x, p, first_row, tile_rows, scratch);                                                           \
            for (int t = 0; t < tile_rows; t++) {                                                                    \
                for (int tw = 0; tw < p.tiles_wide; tw += (LANES)) {                                                 \
                    int count = p.tiles_wide - tw < (LANES) ? p.tiles_wide - tw : (LANES);                           \
                    for (int q = 0; q < p.tile; q++) at[q] = scratch + (size_t)p.tile * (t * n + tw) + q * (LANES);  \
                    long tile = (long)first_tile + (long)t * p.tiles_wide + tw;                                      \
                    NAME##_patches(at, n, p.tile, p.tile, gradient, v, layout, tile, count);                         \
                }                                                                                                    \
            }                                                                                                        \
            return;                                                                                                  \
        }                                                                                                            \
        if (p.tiles_wide % per_run == 0) {                                                                           \
            size_t n = padded_row(p);                                                                                \
            pad_rows(x, p, first_row, tile_rows, scratch);                                                           \
            for (int k = 0; k < tiles; k += (LANES)) {                                                               \
                int count = tiles - k < (LANES) ? tiles - k : (LANES);                                               \
                for (int q = 0; q < p.tile; q++) {                                                                   \
                    /* A run past the block's last tile reads the first run's values, whose products are dropped. */ \
                    int run = k + q * per_run < tiles ? k + q * per_run : k;                                         \
                    at[q] = scratch + (size_t)p.tile * (run / p.tiles_wide * n + run % p.tiles_wide);                \
                }                                                                                                    \
                NAME##_patches(at, n, p.tile, p.tile, gradient, v, layout, first_tile + k, count);                   \
            }                                                                                                        \
            return;                                                                                                  \
        }                                                                                                            \
        size_t length = strip_length(p, tile_rows);                                                                  \
        fill_strips(x, p, first_row, tile_rows, scratch);                                                            \
        for (int k = 0; k < tiles; k += (LANES)) {                                                                   \
            int count = tiles - k < (LANES) ? tiles - k : (LANES);                                                   \
            for (int q = 0; q < p.tile; q++) at[q] = scratch + (size_t)p.tile * k + q * (LANES);                     \
            NAME##_patches(at, 2 * length, length, p.tile, gradient, v, layout, first_tile + k, count);              \
        }                                                                                                            \
    }                                                                                                                \
                                                                                                                     \
    /* F(2x2)'s A^T m A (plus bias) of `count` tiles from tiles[0] (slice_stride apart per xi), into `runs`. */      \
    TARGET static inline void NAME##_outputs2(                                                                       \
        const float *tiles, long slice_stride, int count, float bias, const struct output_runs *runs) {              \
        /* A^T down the columns: s = m0 + m1 + m2, e = m1 - m2 - m3 for each column j. */                            \
        NAME##_vector s[4], e[4];                                                                                    \
        for (int j = 0; j < 4; j++) {                                                                                \
            NAME##_vector m0 = NAME##_get_lanes(tiles + j * slice_stride, count);                                    \
            NAME##_vector m1 = NAME##_get_lanes(tiles + (4 + j) * slice_stride, count);                              \
            NAME##_vector m2 = NAME##_get_lanes(tiles + (8 + j) * slice_stride, count);                              \
            NAME##_vector m3 = NAME##_get_lanes(tiles + (12 + j) * slice_stride, count);                             \
            s[j] = m0 + m1 + m2;                                                                                     \
            e[j] = m1 - m2 - m3;                                                                                     \
        }                                                                                                            \
        /* A along the rows: (v0 + v1 + v2, v1 - v2 - v3), the two columns of each tile side by side. */             \
        for (int r = 0; r < 2; r++) {                                                                                \
            const NAME##_vector *q = r == 0 ? s : e;                                                                 \
            NAME##_vector left = q[0] + q[1] + q[2] + bias, right = q[1] - q[2] - q[3] + bias;                       \
            NAME##_vector halves[2] = {                                                                              \
                __builtin_shufflevector(left, right, LANE_LIST(LOW, LANES)),                                         \
                __builtin_shufflevector(left, right, LANE_LIST(HIGH, LANES))};                                       \
            for (int k = 0; k < 2; k++) {                                                                            \
                if (r < runs->rows[k] && runs->lanes[k] > 0)                                                         \
                    NAME##_put_lanes(runs->at[k] + r * runs->row_stride, halves[k], runs->lanes[k]);                 \
            }                                                                                                        \
        }                                                                                                            \
    }                                                                                                                \
                                                                                                                     \
    /* F(4x4)'s A^T m A, as `outputs2`: A^T down each column j of the products, then along each output row. */       \
    TARGET static inline void NAME##_outputs4(                                                                       \
        const float *tiles, long slice_stride, int count, float bias, const struct output_runs *runs) {              \
        NAME##_vector down[4][6];                                                                                    \
        for (int j = 0; j < 6; j++) {                                                                                \
            NAME##_vector column[6], o[4];                                                                           \
            for (int i = 0; i < 6; i++) column[i] = NAME##_get_lanes(tiles + (6 * i + j) * slice_stride, count);     \
            NAME##_at6(column, o);                                                                                   \
            for (int r = 0; r < 4; r++) down[r][j] = o[r];                                                           \
        }                                                                                                            \
        for (int r = 0; r < 4; r++) {                                                                                \
            NAME##_vector o[4];                                                                                      \
            NAME##_at6(down[r], o);                                                                                  \
            /* The four columns of each tile side by side: interleave 0 with 2 and 1 with 3, then those. */          \
            NAME##_vector low02 = __builtin_shufflevector(o[0], o[2], LANE_LIST(LOW, LANES)) + bias;                 \
            NAME##_vector high02 = __builtin_shufflevector(o[0], o[2], LANE_LIST(HIGH, LANES)) + bias;               \
            NAME##_vector low13 = __builtin_shufflevector(o[1], o[3], LANE_LIST(LOW, LANES)) + bias;                 \
            NAME##_vector high13 = __builtin_shufflevector(o[1], o[3], LANE_LIST(HIGH, LANES)) + bias;               \
            NAME##_vector columns[4] = {                                                                             \
                __builtin_shufflevector(low02, low13, LANE_LIST(LOW, LANES)),                                        \
                __builtin_shufflevector(low02, low13, LANE_LIST(HIGH, LANES)),                                       \
                __builtin_shufflevector(high02, high13, LANE_LIST(LOW, LANES)),                                      \
                __builtin_shufflevector(high02, high13, LANE_LIST(HIGH, LANES))};                                    \
            for (int k = 0; k < 4; k++) {                                                                            \
                if (r < runs->rows[k] && runs->lanes[k] > 0)                                                         \
                    NAME##_put_lanes(runs->at[k] + r * runs->row_stride, columns[k], runs->lanes[k]);                \
            }                                                                                                        \
        }                                                                                                            \
    }                                                                                                                \
                                                                                                                     \
    TARGET static inline void NAME##_outputs(                                                                        \
        int size, const float *tiles, long slice_stride, int count, float bias, const struct output_runs *runs) {    \
        if (size == 4) {                                                                                             \
            NAME##_outputs4(tiles, slice_stride, count, bias, runs);                                                 \
        } else {                                                                                                     \
            NAME##_outputs2(tiles, slice_stride, count, bias, runs);                                                 \
        }                                                                                                            \
    }                                                                                                                \
                                                                                                                     \
    /* Along each tile row where it fills a vector. Otherwise across the tile rows: straight into y where each run of \
       LANES / tile tiles lies in one tile row and the tile rows fill the plane's width, else into strips and then   \
       into y. */                                                                                                    \
    TARGET static void NAME##_output(                                                                                \
        const float *m, long slice_stride, struct fovea_tile_plane p, int first_row, int tile_rows, float bias,      \
        float *scratch, float *y) {                                                                                  \
        int tiles = tile_rows * p.tiles_wide, per_run = (LANES) / p.tile;                                            \
        struct output_runs runs = {.row_stride = p.width};                                                           \
        if (p.tiles_wide >= (LANES)) {                                                                               \
            for (int t = 0; t < tile_rows; t++) {                                                                    \
                int th = first_row + t, rows = p.height - p.tile * th < p.tile ? p.height - p.tile * th : p.tile;    \
                float *top = y + (size_t)p.tile * th * p.width;                                                      \
                const float *tiles_row = m + (size_t)t * p.tiles_wide;                                               \
                for (int tw = 0; tw < p.tiles_wide; tw += (LANES)) {                                                 \
                    int count = p.tiles_wide - tw < (LANES) ? p.tiles_wide - tw : (LANES);                           \
                    int x = p.tile * tw;                                                                             \
                    for (int q = 0; q < p.tile; q++) {                                                               \
                        int left = p.width - x - q * (LANES);                                                        \
                        runs.at[q] = top + x + q * (LANES);                                                          \
                        runs.rows[q] = rows;                                                                         \
                        runs.lanes[q] = left < 0 ? 0 : left < (LANES) ? left : (LANES);                              \
                    }                                                                                                \
                    NAME##_outputs(p.tile, tiles_row + tw, slice_stride, count, bias, &runs);                        \
                }                                                                                                    \
            }                                                                                                        \
            return;                                                                                                  \
        }                                                                                                            \
        if (p.tiles_wide % per_run == 0 && p.width == p.tile * p.tiles_wide) {                                       \
            for (int k = 0; k < tiles; k += (LANES)) {                                                               \
                int count = tiles - k < (LANES) ? tiles - k : (LANES);                                               \
                for (int q = 0; q < p.tile; q++) {                                                                   \
                    int run = k + q * per_run, th = first_row + run / p.tiles_wide;                                  \
                    runs.at[q] = y + (size_t)p.tile * th * p.width + p.tile * (run % p.tiles_wide);                  \
                    int below = p.height - p.tile * th;                                                              \
                    runs.rows[q] = run >= tiles ? 0 : below < p.tile ? below : p.tile;                               \
                    runs.lanes[q] = (LANES);                                                                         \
                }                                                                                                    \
                NAME##_outputs(p.tile, m + k, slice_stride, count, bias, &runs);                                     \
            }                                                                                                        \
            return;                                                                                                  \
        }                                                                                                            \
        long length = (long)strip_length(p, tile_rows);                                                              \
        runs.row_stride = length;                                                                                    \
        for (int k = 0; k < tiles; k += (LANES)) {                                                                   \
            int count = tiles - k < (LANES) ? tiles - k : (LANES);                                                   \
            for (int q = 0; q < p.tile; q++) {                                                                       \
                int left = p.tile * count - q * (LANES);                                                             \
                runs.at[q] = scratch + (size_t)p.tile * k + q * (LANES);                                             \
                runs.rows[q] = p.tile;                                                                               \
                runs.lanes[q] = left < 0 ? 0 : left < (LANES) ? left : (LANES);                                      \
            }                                                                                                        \
            NAME##_outputs(p.tile, m + k, slice_stride, count, bias, &runs);                                         \
        }                                                                                                            \
        empty_strips(p, first_row, tile_rows, scratch, y);                                                           \
    }                                                                                                                \
                                                                                                                     \
    /* F(2x2)'s A dY A^T, along one tile row at a time. */                                                           \
    TARGET static void NAME##_gradient2(                                                                             \
        const float *dy, struct fovea_tile_plane p, int first_row, int tile_rows, float *scratch, float *v,          \
        struct fovea_tile_layout layout, int first_tile) {                                                           \
        size_t n = padded_row(p);                                                                                    \
        for (int t = 0; t < tile_rows; t++) {                                                                        \
            for (int r = 0; r < 2; r++) {                                                                            \
                int y = 2 * (first_row + t) + r;                                                                     \
                pad_row(y < p.height ? dy + (size_t)y * p.width : NULL, p.width, 0, used_columns(p), scratch + r * n); \
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
                NAME##_put(v, layout, (long)first_tile + (long)t * p.tiles_wide + tw, out, 16, count);               \
            }                                                                                                        \
        }                                                                                                            \
    }

FOVEA_FOR_EACH_LEVEL(DEFINE_WINOGRAD)

// `level`, lowered to the widest whose vectors `tiles` tiles fill (eight and fewer run on AVX2, four and fewer on the
// portable level: a wider vector would be mostly empty).
static int tiles_level(int level, int tiles) {
    if (tiles <= 4) return FOVEA_SIMD_PORTABLE;
    if (tiles <= 8 && level > FOVEA_SIMD_AVX2) return FOVEA_SIMD_AVX2;
    return level;
}

void fovea_winograd_input(
    int level, const float *x, struct fovea_tile_plane plane, int first_row, int tile_rows, float *scratch, float *v,
    struct fovea_tile_layout layout, int first_tile) {
    int tiles = tile_rows * plane.tiles_wide;
    FOVEA_DISPATCH(tiles_level(level, tiles), input, x, plane, first_row, tile_rows, 0, scratch, v, layout, first_tile);
}

void fovea_winograd_output(
    int level, const float *m, long slice_stride, struct fovea_tile_plane plane, int first_row, int tile_rows,
    float bias, float *scratch, float *y) {
    int tiles = tile_rows * plane.tiles_wide;
    FOVEA_DISPATCH(tiles_level(level, tiles), output, m, slice_stride, plane, first_row, tile_rows, bias, scratch, y);
}

void fovea_winograd_gradient(
    int level, const float *dy, struct fovea_tile_plane plane, int first_row, int tile_rows, float *scratch, float *v,
    struct fovea_tile_layout layout, int first_tile) {
    if (plane.tile == 4) {
        // As the input transform walks its patches, across the tile rows where one does not fill a vector.
        struct fovea_tile_plane blocks = plane;
        blocks.pad_top = blocks.pad_left = 0;
        int tiles = tile_rows * plane.tiles_wide;
        FOVEA_DISPATCH(
            tiles_level(level, tiles), input, dy, blocks, first_row, tile_rows, 1, scratch, v, layout, first_tile);
        return;
    }
    // Along one tile row at a time.
    int use = tiles_level(level, plane.tiles_wide);
    FOVEA_DISPATCH(use, gradient2, dy, plane, first_row, tile_rows, scratch, v, layout, first_tile);
}
