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

// Each output plane is computed as one run of flattened padded rows: output (y, x) at y * row + x, where row =
// out_width + (kernel_width - 1) / stride_width, so that kernel offset (ky, kx) of every output reads the padded input
// at the same shift. With a stride, the padded input is kept as phase planes: phase (a, b) holds the padded input's
// rows a, a + stride_height, ... and columns b, b + stride_width, ..., and offset (ky, kx) reads phase
// (ky % stride_height, kx % stride_width) at shift (ky / stride_height) * row + kx / stride_width. The last values of
// each output row in the run are not outputs (the forward drops them, the weight gradient multiplies them by zero).
// The run is rounded up to whole vectors.
struct padded {
    long row;                        // a phase plane's row, and an output row in the run
    long length;                     // the run: out_height rows, rounded up to whole vectors
    long plane;                      // a phase plane: the run's reach at the last kernel offset
    int phase_rows, phase_columns;   // the phases kernel offsets read: min(stride, kernel size) each way
};

static long round_up(long n, long multiple) { return (n + multiple - 1) / multiple * multiple; }

static int smaller(int a, int b) { return a < b ? a : b; }

static struct padded padded_shape(struct fovea_direct_shape s, long lanes) {
    long row = (long)s.out_width + (s.kernel_width - 1) / s.stride_width;
    long length = round_up((long)s.out_height * row, lanes);
    long reach = (long)((s.kernel_height - 1) / s.stride_height) * row + (s.kernel_width - 1) / s.stride_width;
    return (struct padded){row, length, length + reach, smaller(s.stride_height, s.kernel_height),
                           smaller(s.stride_width, s.kernel_width)};
}

// The scratch: every input channel's phase planes, then one run per output channel (the forward's outputs, or the
// weight gradient's output gradient laid out as a run).
// The first float of input channel c's phase plane (a, b) in the scratch.
static long phase_plane(struct padded p, int c, int a, int b) {
    return ((long)(c * p.phase_rows + a) * p.phase_columns + b) * p.plane;
}

// The next of `parts` even shares of `remaining` items (16 channels in three are 6, 5 and 5, not 6, 6 and 4).
static int even_share(int remaining, int parts) { return (remaining + parts - 1) / parts; }

static long input_size(struct fovea_direct_shape s, struct padded p) {
    return (long)s.in_channels * p.phase_rows * p.phase_columns * p.plane;
}

static size_t scratch_size(struct fovea_direct_shape s, long lanes) {
    struct padded p = padded_shape(s, lanes);
    return (size_t)input_size(s, p) + (size_t)s.out_channels * p.length;
}

// The first of 0 ..< limit at which start + step * q reaches `from`.
static long first_reaching(long start, long step, long from, long limit) {
    long q = start >= from ? 0 : (from - start + step - 1) / step;
    return q < limit ? q : limit;
}

static void pad_input(const float *x, struct fovea_direct_shape s, struct padded p, float *scratch) {
    int rows = s.out_height + (s.kernel_height - 1) / s.stride_height;
    for (int c = 0; c < s.in_channels; c++) {
        for (int a = 0; a < p.phase_rows; a++) {
            for (int b = 0; b < p.phase_columns; b++) {
                float *plane = scratch + phase_plane(p, c, a, b);
                // Columns q of this phase read input column stride_width * q + b - pad_left: first ..< last inside.
                long start = (long)b - s.pad_left;
                long first = first_reaching(start, s.stride_width, 0, p.row);
                long last = first_reaching(start, s.stride_width, s.width, p.row);
                for (int r = 0; r < rows; r++) {
                    float *row = plane + r * p.row;
                    long y = (long)s.stride_height * r + a - s.pad_top;
                    if (y < 0 || y >= s.height || first >= last) {
                        memset(row, 0, (size_t)p.row * sizeof(float));
                        continue;
                    }
                    const float *line = x + ((long)c * s.height + y) * s.width + start;
                    memset(row, 0, (size_t)first * sizeof(float));
                    if (s.stride_width == 1) {
                        memcpy(row + first, line + first, (size_t)(last - first) * sizeof(float));
                    } else {
                        for (long q = first; q < last; q++) row[q] = line[q * s.stride_width];
                    }
                    memset(row + last, 0, (size_t)(p.row - last) * sizeof(float));
                }
                memset(plane + rows * p.row, 0, (size_t)(p.plane - rows * p.row) * sizeof(float));
            }
        }
    }
}

// The output gradient as runs: each row followed by zeros to the run's row, the run's end zero.
static void pad_gradient(const float *dy, struct fovea_direct_shape s, struct padded p, float *runs) {
    for (int o = 0; o < s.out_channels; o++) {
        float *run = runs + o * p.length;
        for (int y = 0; y < s.out_height; y++) {
            float *row = run + y * p.row;
            memcpy(row, dy + ((long)o * s.out_height + y) * s.out_width, (size_t)s.out_width * sizeof(float));
            memset(row + s.out_width, 0, (size_t)(p.row - s.out_width) * sizeof(float));
        }
        long used = (long)s.out_height * p.row;
        memset(run + used, 0, (size_t)(p.length - used) * sizeof(float));
    }
}

// The most output channels of a forward tile, and the most output channels and kernel columns of a weight-gradient
// tile, at any level (the sizes of the tiles' accumulator arrays).
#define OUTS_MAX 6
#define SUM_OUTS_MAX 4
#define SUM_OFFSETS_MAX 6

// One level's kernels. The forward computes tiles of OUTS output channels by CHUNKS vectors of the run: each kernel
// offset loads CHUNKS vectors of the padded input, shared by the tile's channels, whose weights are broadcast. The
// weight gradient sums products along the run in registers for a tile of SUM_OUTS output channels by SUM_OFFSETS
// kernel columns of one phase, per input channel and kernel row, and adds each tile's vectors to the per-lane sums
// once per image.
#define DEFINE_DIRECT(NAME, TARGET, LANES, OUTS, CHUNKS, SUM_OUTS, SUM_OFFSETS)                                      \
    /* target[0 ..< n] = source[0 ..< n] in whole vectors, the last one ending at n (a library call per short row    \
       would cost as much as the copy). */                                                                           \
    TARGET static inline void NAME##_copy_row(float *target, const float *source, int n) {                           \
        if (n < (LANES)) {                                                                                           \
            memcpy(target, source, (size_t)n * sizeof(float));                                                       \
            return;                                                                                                  \
        }                                                                                                            \
        for (int i = 0; i + (LANES) < n; i += (LANES)) NAME##_store(target + i, NAME##_load(source + i));            \
        NAME##_store(target + n - (LANES), NAME##_load(source + n - (LANES)));                                       \
    }                                                                                                                \
                                                                                                                     \
    /* The run's values i0 ..< i0 + chunks * LANES of `outs` output channels from w's filters, into their runs. */   \
    TARGET __attribute__((always_inline)) static inline void NAME##_output_tile(                                     \
        const int outs, const int chunks, const float *padded, struct padded p, struct fovea_direct_shape s,         \
        const float *w, const float *bias, long i0, float *runs) {                                                   \
        long taps = (long)s.in_channels * s.kernel_height * s.kernel_width;                                          \
        NAME##_vector acc[OUTS_MAX][CHUNKS];                                                                         \
        for (int b = 0; b < outs; b++)                                                                               \
            for (int j = 0; j < chunks; j++) acc[b][j] = (NAME##_vector){0} + (bias ? bias[b] : 0.0f);               \
        for (int c = 0; c < s.in_channels; c++) {                                                                    \
            for (int a = 0; a < p.phase_rows; a++) {                                                                 \
                for (int ky = a, m = 0; ky < s.kernel_height; ky += s.stride_height, m++) {                          \
                    const float *wr = w + (c * s.kernel_height + ky) * s.kernel_width;                               \
                    for (int ph = 0; ph < p.phase_columns; ph++) {                                                   \
                        const float *in = padded + phase_plane(p, c, a, ph) + m * p.row + i0;                        \
                        for (int kx = ph, n = 0; kx < s.kernel_width; kx += s.stride_width, n++) {                   \
                            NAME##_vector v[CHUNKS];                                                                 \
                            for (int j = 0; j < chunks; j++) v[j] = NAME##_load(in + n + j * (LANES));               \
                            for (int b = 0; b < outs; b++) {                                                         \
                                float weight = wr[b * taps + kx];                                                    \
                                for (int j = 0; j < chunks; j++) acc[b][j] += weight * v[j];                         \
                            }                                                                                        \
                        }                                                                                            \
                    }                                                                                                \
                }                                                                                                    \
            }                                                                                                        \
        }                                                                                                            \
        for (int b = 0; b < outs; b++)                                                                               \
            for (int j = 0; j < chunks; j++) NAME##_store(runs + b * p.length + i0 + j * (LANES), acc[b][j]);        \
    }                                                                                                                \
                                                                                                                     \
    /* The run's values i0 ..< i0 + chunks * LANES of every output channel, in blocks of even sizes. */             \
    TARGET __attribute__((always_inline)) static inline void NAME##_output_group(                                    \
        const int chunks, const float *padded, struct padded p, struct fovea_direct_shape s, const float *w,         \
        const float *bias, long i0, float *runs) {                                                                   \
        long taps = (long)s.in_channels * s.kernel_height * s.kernel_width;                                          \
        int blocks = (s.out_channels + (OUTS) - 1) / (OUTS);                                                         \
        for (int block = 0, o = 0; block < blocks; block++) {                                                        \
            int outs = even_share(s.out_channels - o, blocks - block);                                               \
            const float *wo = w + o * taps, *bo = bias ? bias + o : NULL;                                            \
            float *ro = runs + o * p.length;                                                                         \
            switch (outs) {                                                                                          \
            case 1: NAME##_output_tile(1, chunks, padded, p, s, wo, bo, i0, ro); break;                              \
            case 2: NAME##_output_tile(2, chunks, padded, p, s, wo, bo, i0, ro); break;                              \
            case 3: NAME##_output_tile(3, chunks, padded, p, s, wo, bo, i0, ro); break;                              \
            case 4: NAME##_output_tile(4, chunks, padded, p, s, wo, bo, i0, ro); break;                              \
            case 5: NAME##_output_tile(5, chunks, padded, p, s, wo, bo, i0, ro); break;                              \
            default: NAME##_output_tile(OUTS, chunks, padded, p, s, wo, bo, i0, ro); break;                          \
            }                                                                                                        \
            o += outs;                                                                                               \
        }                                                                                                            \
    }                                                                                                                \
                                                                                                                     \
    TARGET static void NAME##_correlate(                                                                             \
        const float *x, struct fovea_direct_shape s, const float *w, const float *bias, float *scratch, float *y) {  \
        struct padded p = padded_shape(s, LANES);                                                                    \
        float *runs = scratch + input_size(s, p);                                                                    \
        pad_input(x, s, p, scratch);                                                                                 \
        /* A group of the run for every output channel before the next: its inputs stay in the level-1 cache. The    \
           run's last vectors, short of a group, one at a time. */                                                   \
        long group = (CHUNKS) * (LANES), whole = p.length / group * group;                                           \
        for (long i0 = 0; i0 < whole; i0 += group) NAME##_output_group(CHUNKS, scratch, p, s, w, bias, i0, runs);    \
        for (long i0 = whole; i0 < p.length; i0 += (LANES)) NAME##_output_group(1, scratch, p, s, w, bias, i0, runs); \
        for (int o = 0; o < s.out_channels; o++) {                                                                   \
            for (int oy = 0; oy < s.out_height; oy++) {                                                              \
                NAME##_copy_row(y + ((long)o * s.out_height + oy) * s.out_width, runs + o * p.length + oy * p.row,   \
                                s.out_width);                                                                        \
            }                                                                                                        \
        }                                                                                                            \
    }                                                                                                                \
                                                                                                                     \
    /* sums (the tile's first weight's) += the tile's products along the runs of `images` images (`image` floats     \
       apart in the scratch), for the shift `input` is at and the next offsets - 1 (weights `step` apart); gradient  \
       is the tile's first output channel's run. */                                                                  \
    TARGET __attribute__((always_inline)) static inline void NAME##_sums_tile(                                       \
        const int outs, const int offsets, const float *input, const float *gradient, int images, long image,        \
        struct padded p, long taps, int step, float *sums) {                                                         \
        NAME##_vector acc[SUM_OUTS_MAX][SUM_OFFSETS_MAX];                                                            \
        for (int b = 0; b < outs; b++)                                                                               \
            for (int k = 0; k < offsets; k++) acc[b][k] = (NAME##_vector){0};                                        \
        for (int n = 0; n < images; n++) {                                                                           \
            const float *in = input + n * image, *gr = gradient + n * image;                                         \
            for (long i = 0; i < p.length; i += (LANES)) {                                                           \
                NAME##_vector g[SUM_OUTS_MAX];                                                                       \
                for (int b = 0; b < outs; b++) g[b] = NAME##_load(gr + b * p.length + i);                            \
                for (int k = 0; k < offsets; k++) {                                                                  \
                    NAME##_vector v = NAME##_load(in + i + k);                                                       \
                    for (int b = 0; b < outs; b++) acc[b][k] += g[b] * v;                                            \
                }                                                                                                    \
            }                                                                                                        \
        }                                                                                                            \
        for (int b = 0; b < outs; b++) {                                                                             \
            for (int k = 0; k < offsets; k++) {                                                                      \
                float *out = sums + (b * taps + k * step) * (LANES);                                                 \
                NAME##_store(out, NAME##_load(out) + acc[b][k]);                                                     \
            }                                                                                                        \
        }                                                                                                            \
    }                                                                                                                \
                                                                                                                     \
    /* Tiles of `outs` output channels along `columns` consecutive shifts of a phase plane (kernel columns           \
       stride_width apart), in even spans of at most SUM_OFFSETS. */                                                 \
    TARGET __attribute__((always_inline)) static inline void NAME##_sums_row(                                        \
        const int outs, int columns, const float *input, const float *gradient, int images, long image,              \
        struct padded p, struct fovea_direct_shape s, float *sums) {                                                 \
        long taps = (long)s.in_channels * s.kernel_height * s.kernel_width;                                          \
        int spans = (columns + (SUM_OFFSETS) - 1) / (SUM_OFFSETS), step = s.stride_width;                            \
        for (int span = 0, n = 0; span < spans; span++) {                                                            \
            int offsets = even_share(columns - n, spans - span);                                                     \
            const float *in = input + n;                                                                             \
            float *out = sums + (long)n * step * (LANES);                                                            \
            switch (offsets) {                                                                                       \
            case 1: NAME##_sums_tile(outs, 1, in, gradient, images, image, p, taps, step, out); break;               \
            case 2: NAME##_sums_tile(outs, 2, in, gradient, images, image, p, taps, step, out); break;               \
            case 3: NAME##_sums_tile(outs, 3, in, gradient, images, image, p, taps, step, out); break;               \
            case 4: NAME##_sums_tile(outs, 4, in, gradient, images, image, p, taps, step, out); break;               \
            case 5: NAME##_sums_tile(outs, 5, in, gradient, images, image, p, taps, step, out); break;               \
            default: NAME##_sums_tile(outs, SUM_OFFSETS, in, gradient, images, image, p, taps, step, out); break;    \
            }                                                                                                        \
            n += offsets;                                                                                            \
        }                                                                                                            \
    }                                                                                                                \
                                                                                                                     \
    TARGET static void NAME##_weight_sums(                                                                           \
        const float *x, const float *dy, int images, struct fovea_direct_shape s, float *scratch, float *sums) {     \
        struct padded p = padded_shape(s, LANES);                                                                    \
        long image = (long)scratch_size(s, LANES), inputs = input_size(s, p);                                        \
        long image_size = (long)s.in_channels * s.height * s.width;                                                  \
        long output_size = (long)s.out_channels * s.out_height * s.out_width;                                        \
        float *gradient = scratch + inputs;                                                                          \
        for (int n = 0; n < images; n++) {                                                                           \
            pad_input(x + n * image_size, s, p, scratch + n * image);                                                \
            pad_gradient(dy + n * output_size, s, p, gradient + n * image);                                          \
        }                                                                                                            \
        long taps = (long)s.in_channels * s.kernel_height * s.kernel_width;                                          \
        int blocks = (s.out_channels + (SUM_OUTS) - 1) / (SUM_OUTS);                                                 \
        for (int block = 0, o = 0; block < blocks; block++) {                                                        \
            int outs = even_share(s.out_channels - o, blocks - block);                                               \
            const float *go = gradient + o * p.length;                                                               \
            for (int c = 0; c < s.in_channels; c++) {                                                                \
                for (int a = 0; a < p.phase_rows; a++) {                                                             \
                    for (int ky = a, m = 0; ky < s.kernel_height; ky += s.stride_height, m++) {                      \
                        for (int ph = 0; ph < p.phase_columns; ph++) {                                               \
                            const float *input = scratch + phase_plane(p, c, a, ph) + m * p.row;                     \
                            int columns = (s.kernel_width - ph + s.stride_width - 1) / s.stride_width;               \
                            long weight = o * taps + (c * s.kernel_height + ky) * s.kernel_width + ph;               \
                            float *so = sums + weight * (LANES);                                                     \
                            switch (outs) {                                                                          \
                            case 1: NAME##_sums_row(1, columns, input, go, images, image, p, s, so); break;          \
                            case 2: NAME##_sums_row(2, columns, input, go, images, image, p, s, so); break;          \
                            case 3: NAME##_sums_row(3, columns, input, go, images, image, p, s, so); break;          \
                            default: NAME##_sums_row(SUM_OUTS, columns, input, go, images, image, p, s, so); break;  \
                            }                                                                                        \
                        }                                                                                            \
                    }                                                                                                \
                }                                                                                                    \
            }                                                                                                        \
            o += outs;                                                                                               \
        }                                                                                                            \
    }

// Portable and AVX2 (16 registers): forward tiles of 4 channels x 2 vectors (8 accumulators, 2 loads, a weight),
// weight-gradient tiles of 2 x 5 (10 accumulators, 2 gradients, a load).
DEFINE_DIRECT(portable, FOVEA_PORTABLE_TARGET, 4, 4, 2, 2, 5)

#if defined(__x86_64__)
DEFINE_DIRECT(avx2, FOVEA_AVX2_TARGET, 8, 4, 2, 2, 5)
// AVX-512 (32 registers): forward tiles of 6 x 4 (24 accumulators, 4 loads, a weight), weight-gradient tiles of 4 x 6
// (24 accumulators, 4 gradients, a load).
DEFINE_DIRECT(avx512, FOVEA_AVX512_TARGET, 16, 6, 4, 4, 6)
#endif

size_t fovea_direct_scratch(int level, struct fovea_direct_shape shape) { return scratch_size(shape, lanes_at(level)); }

int fovea_direct_weight_images(int level, struct fovea_direct_shape shape) {
    long lanes = lanes_at(level);
    struct padded p = padded_shape(shape, lanes);
    // A weight-gradient tile reads SUM_OUTS_MAX gradient runs and an input phase plane per image: 8K floats of them
    // stay in a level-1 cache of 32 KB or more; a call's padded copies, 128K floats, in a level-2 cache of 1 MB.
    long tile = SUM_OUTS_MAX * p.length + p.plane, image = (long)scratch_size(shape, lanes);
    long images = (8L << 10) / tile, fitting = (128L << 10) / image;
    if (fitting < images) images = fitting;
    return images > 1 ? (int)(images < 1024 ? images : 1024) : 1;
}

void fovea_direct_correlate(
    int level, const float *x, struct fovea_direct_shape shape, const float *weight, const float *bias, float *scratch,
    float *y) {
    FOVEA_DISPATCH(level, correlate, x, shape, weight, bias, scratch, y);
}

void fovea_direct_weight_sums(
    int level, const float *x, const float *dy, int images, struct fovea_direct_shape shape, float *scratch,
    float *sums) {
    FOVEA_DISPATCH(level, weight_sums, x, dy, images, shape, scratch, sums);
}
