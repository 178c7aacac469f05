#include "direct_conv.h"

#include "levels.h"

FOVEA_FOR_EACH_LEVEL(FOVEA_VECTORS)

static int lanes_at(int level) {
    switch (fovea_usable_level(level)) {
    case FOVEA_SIMD_AVX512: return 16;
    case FOVEA_SIMD_AVX2: return 8;
    default: return 4;
    }
}

int fovea_direct_lanes(int level) { return lanes_at(level); }

// The zero-padded copies in scratch: the input's planes (each output row's loads for every kernel offset stay inside
// its row), then the output gradient's (rows rounded up to whole vectors, zero past the end).
struct padded {
    long row, plane;       // the input's padded row and plane, in floats
    int rows;              // rows of a padded input plane
    long gradient_row;     // a padded output-gradient row
};

static long round_up(long n, long lanes) { return (n + lanes - 1) / lanes * lanes; }

static struct padded padded_shape(struct fovea_direct_shape s, int lanes) {
    long row = round_up(s.out_width, lanes) + s.kernel_width - 1;
    int rows = s.out_height + s.kernel_height - 1;
    return (struct padded){row, row * rows, rows, round_up(s.out_width, lanes)};
}

size_t fovea_direct_scratch(int level, struct fovea_direct_shape s) {
    struct padded p = padded_shape(s, lanes_at(level));
    return (size_t)s.in_channels * p.plane + (size_t)s.out_channels * s.out_height * p.gradient_row;
}

static void pad_input(const float *x, struct fovea_direct_shape s, struct padded p, float *scratch) {
    long first = s.pad_left > 0 ? s.pad_left : 0, last = (long)s.pad_left + s.width;
    if (first > p.row) first = p.row;
    if (last > p.row) last = p.row;
    for (int c = 0; c < s.in_channels; c++) {
        for (int r = 0; r < p.rows; r++) {
            float *row = scratch + c * p.plane + r * p.row;
            int y = r - s.pad_top;
            if (y < 0 || y >= s.height || first >= last) {
                memset(row, 0, (size_t)p.row * sizeof(float));
                continue;
            }
            memset(row, 0, (size_t)first * sizeof(float));
            memcpy(row + first, x + ((long)c * s.height + y) * s.width + (first - s.pad_left),
                   (size_t)(last - first) * sizeof(float));
            memset(row + last, 0, (size_t)(p.row - last) * sizeof(float));
        }
    }
}

static void pad_gradient(const float *dy, struct fovea_direct_shape s, struct padded p, float *target) {
    for (long r = 0; r < (long)s.out_channels * s.out_height; r++) {
        float *row = target + r * p.gradient_row;
        memcpy(row, dy + r * s.out_width, (size_t)s.out_width * sizeof(float));
        memset(row + s.out_width, 0, (size_t)(p.gradient_row - s.out_width) * sizeof(float));
    }
}

// The most output channels a forward block holds (8 accumulators: they and a load fit 16 registers at every level).
#define OUT_MAX 8
// The most output channels and kernel columns of a weight-gradient tile (its accumulators, AVX-512's 32 registers).
#define SUM_OUTS_MAX 4
#define SUM_OFFSETS_MAX 6

// One level's kernels. The forward runs each output row in vectors, LANES columns at a time (the last one ending at
// the row's end, overlapping the one before, when the row is not a whole number of vectors), each kernel offset a
// load shared by a block of up to OUT_MAX output channels. The weight gradient sums products along the output rows
// in registers for a tile of SUM_OUTS output channels by SUM_OFFSETS kernel columns, per input channel and kernel
// row, and adds each tile's vectors to the per-lane sums once per image.
#define DEFINE_DIRECT(NAME, TARGET, LANES, SUM_OUTS, SUM_OFFSETS)                                                    \
    TARGET __attribute__((always_inline)) static inline void NAME##_output_block(                                   \
        const int outs, const float *padded, struct padded p, struct fovea_direct_shape s, const float *w,           \
        const float *bias, float *y) {                                                                               \
        long taps = (long)s.in_channels * s.kernel_height * s.kernel_width;                                          \
        long plane = (long)s.out_height * s.out_width;                                                               \
        int whole = s.out_width >= (LANES);                                                                          \
        for (int oy = 0; oy < s.out_height; oy++) {                                                                  \
            for (int x0 = 0; x0 < s.out_width; x0 += (LANES)) {                                                      \
                int start = whole && x0 + (LANES) > s.out_width ? s.out_width - (LANES) : x0;                        \
                NAME##_vector acc[OUT_MAX];                                                                          \
                for (int b = 0; b < outs; b++) acc[b] = (NAME##_vector){0} + (bias ? bias[b] : 0.0f);                \
                for (int c = 0; c < s.in_channels; c++) {                                                            \
                    for (int ky = 0; ky < s.kernel_height; ky++) {                                                   \
                        const float *row = padded + c * p.plane + (oy + ky) * p.row + start;                         \
                        const float *wr = w + (c * s.kernel_height + ky) * s.kernel_width;                           \
                        for (int kx = 0; kx < s.kernel_width; kx++) {                                                \
                            NAME##_vector v = NAME##_load(row + kx);                                                 \
                            for (int b = 0; b < outs; b++) acc[b] += wr[b * taps + kx] * v;                          \
                        }                                                                                            \
                    }                                                                                                \
                }                                                                                                    \
                float *out = y + (long)oy * s.out_width + start;                                                     \
                for (int b = 0; b < outs; b++) {                                                                     \
                    if (whole) {                                                                                     \
                        NAME##_store(out + b * plane, acc[b]);                                                       \
                    } else {                                                                                         \
                        NAME##_store_part(out + b * plane, acc[b], s.out_width);                                     \
                    }                                                                                                \
                }                                                                                                    \
            }                                                                                                        \
        }                                                                                                            \
    }                                                                                                                \
                                                                                                                     \
    TARGET static void NAME##_correlate(                                                                             \
        const float *x, struct fovea_direct_shape s, const float *w, const float *bias, float *scratch, float *y) {  \
        struct padded p = padded_shape(s, LANES);                                                                    \
        pad_input(x, s, p, scratch);                                                                                 \
        long taps = (long)s.in_channels * s.kernel_height * s.kernel_width;                                          \
        long plane = (long)s.out_height * s.out_width;                                                               \
        int blocks = (s.out_channels + OUT_MAX - 1) / OUT_MAX;                                                       \
        for (int block = 0, o = 0; block < blocks; block++) {                                                        \
            /* Blocks of even sizes: 6 channels are one block of 6, 12 two of 6 rather than 8 and 4. */             \
            int outs = (s.out_channels - o + blocks - block - 1) / (blocks - block);                                 \
            const float *wo = w + o * taps, *bo = bias ? bias + o : NULL;                                            \
            float *yo = y + o * plane;                                                                               \
            switch (outs) {                                                                                          \
            case 1: NAME##_output_block(1, scratch, p, s, wo, bo, yo); break;                                        \
            case 2: NAME##_output_block(2, scratch, p, s, wo, bo, yo); break;                                        \
            case 3: NAME##_output_block(3, scratch, p, s, wo, bo, yo); break;                                        \
            case 4: NAME##_output_block(4, scratch, p, s, wo, bo, yo); break;                                        \
            case 5: NAME##_output_block(5, scratch, p, s, wo, bo, yo); break;                                        \
            case 6: NAME##_output_block(6, scratch, p, s, wo, bo, yo); break;                                        \
            case 7: NAME##_output_block(7, scratch, p, s, wo, bo, yo); break;                                        \
            default: NAME##_output_block(8, scratch, p, s, wo, bo, yo); break;                                       \
            }                                                                                                        \
            o += outs;                                                                                               \
        }                                                                                                            \
    }                                                                                                                \
                                                                                                                     \
    /* sums (the tile's first weight's) += the tile's products over one image, for input channel c, kernel row ky, \
       columns kx0 ..< kx0 + offsets; gradient is the tile's first output channel's padded plane. */                \
    TARGET __attribute__((always_inline)) static inline void NAME##_sums_tile(                                      \
        const int outs, const int offsets, const float *input, const float *gradient, struct padded p,               \
        struct fovea_direct_shape s, float *sums) {                                                                  \
        long taps = (long)s.in_channels * s.kernel_height * s.kernel_width;                                          \
        long gradient_plane = (long)s.out_height * p.gradient_row;                                                   \
        NAME##_vector acc[SUM_OUTS_MAX][SUM_OFFSETS_MAX];                                                            \
        for (int b = 0; b < outs; b++)                                                                               \
            for (int k = 0; k < offsets; k++) acc[b][k] = (NAME##_vector){0};                                        \
        for (int oy = 0; oy < s.out_height; oy++) {                                                                  \
            const float *row = input + oy * p.row, *grad = gradient + oy * p.gradient_row;                           \
            for (long x0 = 0; x0 < p.gradient_row; x0 += (LANES)) {                                                  \
                NAME##_vector g[SUM_OUTS_MAX];                                                                       \
                for (int b = 0; b < outs; b++) g[b] = NAME##_load(grad + b * gradient_plane + x0);                   \
                for (int k = 0; k < offsets; k++) {                                                                  \
                    NAME##_vector v = NAME##_load(row + x0 + k);                                                     \
                    for (int b = 0; b < outs; b++) acc[b][k] += g[b] * v;                                            \
                }                                                                                                    \
            }                                                                                                        \
        }                                                                                                            \
        for (int b = 0; b < outs; b++) {                                                                             \
            for (int k = 0; k < offsets; k++) {                                                                      \
                float *out = sums + (b * taps + k) * (LANES);                                                        \
                NAME##_store(out, NAME##_load(out) + acc[b][k]);                                                     \
            }                                                                                                        \
        }                                                                                                            \
    }                                                                                                                \
                                                                                                                     \
    /* Tiles of `outs` output channels along the kernel row, in even runs of at most SUM_OFFSETS columns. */       \
    TARGET __attribute__((always_inline)) static inline void NAME##_sums_row(                                       \
        const int outs, const float *input, const float *gradient, struct padded p, struct fovea_direct_shape s,     \
        float *sums) {                                                                                               \
        int runs = (s.kernel_width + (SUM_OFFSETS) - 1) / (SUM_OFFSETS);                                             \
        for (int run = 0, kx = 0; run < runs; run++) {                                                               \
            int offsets = (s.kernel_width - kx + runs - run - 1) / (runs - run);                                     \
            const float *in = input + kx;                                                                            \
            float *out = sums + kx * (LANES);                                                                        \
            switch (offsets) {                                                                                       \
            case 1: NAME##_sums_tile(outs, 1, in, gradient, p, s, out); break;                                       \
            case 2: NAME##_sums_tile(outs, 2, in, gradient, p, s, out); break;                                       \
            case 3: NAME##_sums_tile(outs, 3, in, gradient, p, s, out); break;                                       \
            case 4: NAME##_sums_tile(outs, 4, in, gradient, p, s, out); break;                                       \
            case 5: NAME##_sums_tile(outs, 5, in, gradient, p, s, out); break;                                       \
            default: NAME##_sums_tile(outs, SUM_OFFSETS, in, gradient, p, s, out); break;                            \
            }                                                                                                        \
            kx += offsets;                                                                                           \
        }                                                                                                            \
    }                                                                                                                \
                                                                                                                     \
    TARGET static void NAME##_weight_sums(                                                                           \
        const float *x, const float *dy, struct fovea_direct_shape s, float *scratch, float *sums) {                 \
        struct padded p = padded_shape(s, LANES);                                                                    \
        float *gradient = scratch + s.in_channels * p.plane;                                                         \
        pad_input(x, s, p, scratch);                                                                                 \
        pad_gradient(dy, s, p, gradient);                                                                            \
        long taps = (long)s.in_channels * s.kernel_height * s.kernel_width;                                          \
        long gradient_plane = (long)s.out_height * p.gradient_row;                                                   \
        int blocks = (s.out_channels + (SUM_OUTS) - 1) / (SUM_OUTS);                                                 \
        for (int block = 0, o = 0; block < blocks; block++) {                                                        \
            int outs = (s.out_channels - o + blocks - block - 1) / (blocks - block);                                 \
            for (int c = 0; c < s.in_channels; c++) {                                                                \
                for (int ky = 0; ky < s.kernel_height; ky++) {                                                       \
                    const float *input = scratch + c * p.plane + ky * p.row;                                         \
                    const float *go = gradient + o * gradient_plane;                                                 \
                    float *so = sums + (o * taps + (c * s.kernel_height + ky) * s.kernel_width) * (LANES);           \
                    switch (outs) {                                                                                  \
                    case 1: NAME##_sums_row(1, input, go, p, s, so); break;                                          \
                    case 2: NAME##_sums_row(2, input, go, p, s, so); break;                                          \
                    case 3: NAME##_sums_row(3, input, go, p, s, so); break;                                          \
                    default: NAME##_sums_row(SUM_OUTS, input, go, p, s, so); break;                                  \
                    }                                                                                                \
                }                                                                                                    \
            }                                                                                                        \
            o += outs;                                                                                               \
        }                                                                                                            \
    }

// Portable and AVX2 (16 registers): weight-gradient tiles of 2 x 5 (10 accumulators, 2 gradients, a load).
DEFINE_DIRECT(portable, FOVEA_PORTABLE_TARGET, 4, 2, 5)

#if defined(__x86_64__)
DEFINE_DIRECT(avx2, FOVEA_AVX2_TARGET, 8, 2, 5)
// AVX-512 (32 registers): 4 x 6 tiles (24 accumulators, 4 gradients, a load).
DEFINE_DIRECT(avx512, FOVEA_AVX512_TARGET, 16, 4, 6)
#endif

// `level`, lowered to the widest whose vectors an output row fills (a row narrower than every vector runs on the
// portable level, storing part of each vector).
static int row_level(int level, int width) {
    level = fovea_usable_level(level);
    while (level > FOVEA_SIMD_PORTABLE && lanes_at(level) > width) level--;
    return level;
}

void fovea_direct_correlate(
    int level, const float *x, struct fovea_direct_shape shape, const float *weight, const float *bias, float *scratch,
    float *y) {
    FOVEA_DISPATCH(row_level(level, shape.out_width), correlate, x, shape, weight, bias, scratch, y);
}

void fovea_direct_weight_sums(
    int level, const float *x, const float *dy, struct fovea_direct_shape shape, float *scratch, float *sums) {
    FOVEA_DISPATCH(level, weight_sums, x, dy, shape, scratch, sums);
}
