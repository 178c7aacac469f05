#include "batch_norm.h"

#include "levels.h"

// Planes shorter than a vector (BatchNorm1d's [N, C] has planes of one value) one value at a time: the vector loops'
// partial loads and per-plane double conversions would cost many times more. Each plane's sums in float, the planes'
// in double, as the vector loops do.

/// v where `mask_source` is above 0, else 0, without a branch (a ReLU mask is unpredictable).
static inline float keep_positive(float v, float mask_source) {
    unsigned bits;
    memcpy(&bits, &v, sizeof bits);
    bits &= -(unsigned)(mask_source > 0);
    memcpy(&v, &bits, sizeof v);
    return v;
}

/// dy[i] where `mask` (when not NULL) is above 0, else 0.
static inline float small_masked(const float *dy, const float *mask, long i) {
    return mask ? keep_positive(dy[i], mask[i]) : dy[i];
}

static void small_statistics(
    struct fovea_channel_planes layout, const float *x, float *mean, double *centered_squares) {
    double sum = 0, squares = 0;
    for (int p = 0; p < layout.planes; p++) {
        float plane = 0;
        for (long i = 0; i < layout.count; i++) plane += x[p * layout.stride + i];
        sum += plane;
    }
    float center = (float)(sum / ((double)layout.planes * (double)layout.count));
    for (int p = 0; p < layout.planes; p++) {
        float plane = 0;
        for (long i = 0; i < layout.count; i++) {
            float d = x[p * layout.stride + i] - center;
            plane += d * d;
        }
        squares += plane;
    }
    *mean = center;
    *centered_squares = squares;
}

static void small_normalize(
    struct fovea_channel_planes layout, const float *x, float scale, float shift, const float *residual, int relu,
    float *out) {
    for (int p = 0; p < layout.planes; p++) {
        for (long i = p * layout.stride; i < p * layout.stride + layout.count; i++) {
            float y = x[i] * scale + shift + (residual ? residual[i] : 0);
            out[i] = relu && y < 0 ? 0 : y;  // NaN stays NaN, as in PyTorch
        }
    }
}

static void small_gradient_sums(
    struct fovea_channel_planes layout, const float *dy, const float *mask, const float *x, float center,
    float *masked, double *sum_dy, double *sum_dy_centered) {
    double g_total = 0, gx_total = 0;
    for (int p = 0; p < layout.planes; p++) {
        float g_plane = 0, gx_plane = 0;
        for (long i = p * layout.stride; i < p * layout.stride + layout.count; i++) {
            float g = small_masked(dy, mask, i);
            if (masked) masked[i] = g;
            g_plane += g;
            gx_plane += g * (x[i] - center);
        }
        g_total += g_plane;
        gx_total += gx_plane;
    }
    *sum_dy = g_total;
    *sum_dy_centered = gx_total;
}

static void small_input_gradient(
    struct fovea_channel_planes layout, const float *dy, const float *mask, const float *x, float k, float a, float b,
    float *dx) {
    for (int p = 0; p < layout.planes; p++) {
        for (long i = p * layout.stride; i < p * layout.stride + layout.count; i++) {
            float g = small_masked(dy, mask, i);
            dx[i] = x ? k * g + a * x[i] + b : k * g;
        }
    }
}

// One level's loops over a channel's planes of `count` floats. A plane's sums run in four independent vectors of float
// lanes (a single one would chain every addition to the one before), the last vector partly (its other lanes add
// nothing); the planes' lane sums are added in double lanes, whose total is taken once per channel (small planes
// would otherwise pay a horizontal sum each). ReLU and the backward's mask keep a value where the ReLU output is
// above 0 (a NaN gives 0), as the CPU backend's ReLU does.
#define DEFINE_BATCH_NORM(NAME, TARGET, LANES)                                                                       \
    FOVEA_VECTORS(NAME, TARGET, LANES)                                                                               \
    typedef double NAME##_doubles __attribute__((vector_size(8 * (LANES))));                                         \
                                                                                                                     \
    /* (Double vectors go by pointer: by value, wider than the level's registers, they would change the ABI.) */     \
    TARGET static inline double NAME##_total(const NAME##_doubles *v) {                                              \
        double total = 0;                                                                                            \
        for (int lane = 0; lane < (LANES); lane++) total += (*v)[lane];                                              \
        return total;                                                                                                \
    }                                                                                                                \
                                                                                                                     \
    TARGET static inline void NAME##_add_widened(NAME##_doubles *sum, NAME##_vector v) {                             \
        *sum += __builtin_convertvector(v, NAME##_doubles);                                                          \
    }                                                                                                                \
                                                                                                                     \
    TARGET static inline int NAME##_part(long rest) { return rest < (LANES) ? (int)rest : (LANES); }                 \
                                                                                                                     \
    /* v where `mask_source` > 0, else 0. */                                                                         \
    TARGET static inline NAME##_vector NAME##_keep_positive(NAME##_vector v, NAME##_vector mask_source) {            \
        const NAME##_vector zero = {0};                                                                              \
        return (NAME##_vector)((NAME##_ints)v & (NAME##_ints)(mask_source > zero));                                  \
    }                                                                                                                \
                                                                                                                     \
    /* ReLU: 0 where v < 0, else v (a NaN stays NaN, as in PyTorch). */                                              \
    TARGET static inline NAME##_vector NAME##_relu(NAME##_vector v) {                                                \
        const NAME##_vector zero = {0};                                                                              \
        return (NAME##_vector)((NAME##_ints)v & ~(NAME##_ints)(v < zero));                                           \
    }                                                                                                                \
                                                                                                                     \
    /* v in its first `count` lanes, 0 in the others. */                                                             \
    TARGET static inline NAME##_vector NAME##_first_lanes(NAME##_vector v, int count) {                              \
        NAME##_ints lane;                                                                                            \
        for (int l = 0; l < (LANES); l++) lane[l] = l;                                                               \
        return (NAME##_vector)((NAME##_ints)v & (NAME##_ints)(lane < count));                                        \
    }                                                                                                                \
                                                                                                                     \
    /* Lane sums of x over a plane. */                                                                               \
    TARGET static NAME##_vector NAME##_plane_sum(const float *x, long count) {                                       \
        NAME##_vector s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};                                                        \
        long i = 0;                                                                                                  \
        for (; i + 4 * (LANES) <= count; i += 4 * (LANES)) {                                                         \
            s0 += NAME##_load(x + i);                                                                                \
            s1 += NAME##_load(x + i + (LANES));                                                                      \
            s2 += NAME##_load(x + i + 2 * (LANES));                                                                  \
            s3 += NAME##_load(x + i + 3 * (LANES));                                                                  \
        }                                                                                                            \
        for (; i < count; i += (LANES)) s0 += NAME##_load_part(x + i, NAME##_part(count - i));                       \
        return (s0 + s1) + (s2 + s3);                                                                                \
    }                                                                                                                \
                                                                                                                     \
    /* Lane sums of (x - center)^2 over a plane. */                                                                  \
    TARGET static NAME##_vector NAME##_plane_squares(const float *x, long count, float center) {                     \
        const NAME##_vector c = (NAME##_vector){0} + center;                                                         \
        NAME##_vector s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};                                                        \
        long i = 0;                                                                                                  \
        for (; i + 4 * (LANES) <= count; i += 4 * (LANES)) {                                                         \
            NAME##_vector d0 = NAME##_load(x + i) - c, d1 = NAME##_load(x + i + (LANES)) - c;                        \
            NAME##_vector d2 = NAME##_load(x + i + 2 * (LANES)) - c, d3 = NAME##_load(x + i + 3 * (LANES)) - c;      \
            s0 += d0 * d0;                                                                                           \
            s1 += d1 * d1;                                                                                           \
            s2 += d2 * d2;                                                                                           \
            s3 += d3 * d3;                                                                                           \
        }                                                                                                            \
        for (; i < count; i += (LANES)) {                                                                            \
            int n = NAME##_part(count - i);                                                                          \
            NAME##_vector d = NAME##_first_lanes(NAME##_load_part(x + i, n) - c, n);                                 \
            s0 += d * d;                                                                                             \
        }                                                                                                            \
        return (s0 + s1) + (s2 + s3);                                                                                \
    }                                                                                                                \
                                                                                                                     \
    TARGET static void NAME##_statistics(                                                                            \
        struct fovea_channel_planes layout, const float *x, float *mean, double *centered_squares) {                 \
        if (layout.count < (LANES)) {                                                                                \
            small_statistics(layout, x, mean, centered_squares);                                                     \
            return;                                                                                                  \
        }                                                                                                            \
        NAME##_doubles sum = {0}, squares = {0};                                                                     \
        for (int p = 0; p < layout.planes; p++) {                                                                    \
            NAME##_add_widened(&sum, NAME##_plane_sum(x + p * layout.stride, layout.count));                         \
        }                                                                                                            \
        float center = (float)(NAME##_total(&sum) / ((double)layout.planes * (double)layout.count));                 \
        for (int p = 0; p < layout.planes; p++) {                                                                    \
            NAME##_add_widened(&squares, NAME##_plane_squares(x + p * layout.stride, layout.count, center));         \
        }                                                                                                            \
        *mean = center;                                                                                              \
        *centered_squares = NAME##_total(&squares);                                                                  \
    }                                                                                                                \
                                                                                                                     \
    TARGET static void NAME##_normalize(                                                                             \
        struct fovea_channel_planes layout, const float *x, float scale, float shift, const float *residual,         \
        int relu, float *out) {                                                                                      \
        if (layout.count < (LANES)) {                                                                                \
            small_normalize(layout, x, scale, shift, residual, relu, out);                                           \
            return;                                                                                                  \
        }                                                                                                            \
        for (int p = 0; p < layout.planes; p++) {                                                                    \
            long at = p * layout.stride;                                                                             \
            for (long i = at; i < at + layout.count; i += (LANES)) {                                                 \
                int n = NAME##_part(at + layout.count - i);                                                          \
                NAME##_vector y = NAME##_load_part(x + i, n) * scale + shift;                                        \
                if (residual) y += NAME##_load_part(residual + i, n);                                                \
                NAME##_store_part(out + i, relu ? NAME##_relu(y) : y, n);                                            \
            }                                                                                                        \
        }                                                                                                            \
    }                                                                                                                \
                                                                                                                     \
    /* Lane sums of g and g * (x - center) over a plane, added to `sum_g` and `sum_g_centered`; g also written to    \
       `g_out` when not NULL. */                                                                                     \
    TARGET static void NAME##_plane_gradient_sums(                                                                   \
        const float *dy, const float *mask, const float *x, long count, float center, float *g_out,                  \
        NAME##_doubles *sum_g, NAME##_doubles *sum_g_centered) {                                                     \
        const NAME##_vector c = (NAME##_vector){0} + center;                                                         \
        NAME##_vector g_sums[4] = {{0}}, gx_sums[4] = {{0}};                                                         \
        long i = 0;                                                                                                  \
        for (; i + 4 * (LANES) <= count; i += 4 * (LANES)) {                                                         \
            for (int u = 0; u < 4; u++) {                                                                            \
                long at = i + u * (LANES);                                                                           \
                NAME##_vector g = NAME##_load(dy + at);                                                              \
                if (mask) g = NAME##_keep_positive(g, NAME##_load(mask + at));                                       \
                if (g_out) NAME##_store(g_out + at, g);                                                              \
                g_sums[u] += g;                                                                                      \
                gx_sums[u] += g * (NAME##_load(x + at) - c);                                                         \
            }                                                                                                        \
        }                                                                                                            \
        for (; i < count; i += (LANES)) {                                                                            \
            int n = NAME##_part(count - i);                                                                          \
            NAME##_vector g = NAME##_load_part(dy + i, n);                                                           \
            if (mask) g = NAME##_keep_positive(g, NAME##_load_part(mask + i, n));                                    \
            if (g_out) NAME##_store_part(g_out + i, g, n);                                                           \
            g_sums[0] += g;                                                                                          \
            gx_sums[0] += g * (NAME##_load_part(x + i, n) - c);                                                      \
        }                                                                                                            \
        NAME##_add_widened(sum_g, (g_sums[0] + g_sums[1]) + (g_sums[2] + g_sums[3]));                                \
        NAME##_add_widened(sum_g_centered, (gx_sums[0] + gx_sums[1]) + (gx_sums[2] + gx_sums[3]));                   \
    }                                                                                                                \
                                                                                                                     \
    TARGET static void NAME##_gradient_sums(                                                                         \
        struct fovea_channel_planes layout, const float *dy, const float *mask, const float *x, float center,        \
        float *masked, double *sum_dy, double *sum_dy_centered) {                                                    \
        if (layout.count < (LANES)) {                                                                                \
            small_gradient_sums(layout, dy, mask, x, center, masked, sum_dy, sum_dy_centered);                       \
            return;                                                                                                  \
        }                                                                                                            \
        NAME##_doubles g = {0}, gx = {0};                                                                            \
        for (int p = 0; p < layout.planes; p++) {                                                                    \
            long at = p * layout.stride;                                                                             \
            NAME##_plane_gradient_sums(                                                                              \
                dy + at, mask ? mask + at : 0, x + at, layout.count, center, masked ? masked + at : 0, &g, &gx);     \
        }                                                                                                            \
        *sum_dy = NAME##_total(&g);                                                                                  \
        *sum_dy_centered = NAME##_total(&gx);                                                                        \
    }                                                                                                                \
                                                                                                                     \
    TARGET static void NAME##_input_gradient(                                                                        \
        struct fovea_channel_planes layout, const float *dy, const float *mask, const float *x, float k, float a,    \
        float b, float *dx) {                                                                                        \
        if (layout.count < (LANES)) {                                                                                \
            small_input_gradient(layout, dy, mask, x, k, a, b, dx);                                                  \
            return;                                                                                                  \
        }                                                                                                            \
        for (int p = 0; p < layout.planes; p++) {                                                                    \
            long at = p * layout.stride;                                                                             \
            for (long i = at; i < at + layout.count; i += (LANES)) {                                                 \
                int n = NAME##_part(at + layout.count - i);                                                          \
                NAME##_vector g = NAME##_load_part(dy + i, n);                                                       \
                if (mask) g = NAME##_keep_positive(g, NAME##_load_part(mask + i, n));                                \
                NAME##_vector result = x ? g * k + NAME##_load_part(x + i, n) * a + b : g * k;                       \
                NAME##_store_part(dx + i, result, n);                                                                \
            }                                                                                                        \
        }                                                                                                            \
    }

FOVEA_FOR_EACH_LEVEL(DEFINE_BATCH_NORM)

void fovea_batch_norm_statistics(
    int level, struct fovea_channel_planes layout, const float *x, float *mean, double *centered_squares) {
    FOVEA_DISPATCH(level, statistics, layout, x, mean, centered_squares);
}

void fovea_batch_norm_normalize(
    int level, struct fovea_channel_planes layout, const float *x, float scale, float shift, const float *residual,
    int relu, float *out) {
    FOVEA_DISPATCH(level, normalize, layout, x, scale, shift, residual, relu, out);
}

void fovea_batch_norm_gradient_sums(
    int level, struct fovea_channel_planes layout, const float *dy, const float *relu_output, const float *x,
    float mean, float *masked_gradient, double *sum_dy, double *sum_dy_centered) {
    FOVEA_DISPATCH(level, gradient_sums, layout, dy, relu_output, x, mean, masked_gradient, sum_dy, sum_dy_centered);
}

void fovea_batch_norm_input_gradient(
    int level, struct fovea_channel_planes layout, const float *dy, const float *relu_output, const float *x, float k,
    float a, float b, float *dx) {
    FOVEA_DISPATCH(level, input_gradient, layout, dy, relu_output, x, k, a, b, dx);
}
