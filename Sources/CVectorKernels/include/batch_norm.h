// Batch normalization's per-channel loops (statistics, the normalized output with an optional ReLU, and the
// backward's sums and input gradient), at a SIMD level. Each plane is summed in float lanes with several independent
// accumulators; the planes' sums are added in double.
#ifndef FOVEA_BATCH_NORM_H
#define FOVEA_BATCH_NORM_H

#include "simd_level.h"

/// Where one channel's values lie: `planes` runs of `count` floats, `stride` floats apart (channel c of an
/// [N, C, spatial] tensor: N planes of `spatial` values, C * spatial apart, from element c * spatial).
struct fovea_channel_planes {
    int planes;
    long stride;
    long count;
};

/// The channel's mean, and the sum of squares of its values about that mean (two passes over the values).
void fovea_batch_norm_statistics(
    int level, struct fovea_channel_planes layout, const float *x, float *mean, double *centered_squares);

/// out = x * scale + shift (+ residual, laid out as x, when not NULL) over the channel's values, then max(out, 0) when
/// `relu` is not 0 (NaN gives 0).
void fovea_batch_norm_normalize(
    int level, struct fovea_channel_planes layout, const float *x, float scale, float shift, const float *residual,
    int relu, float *out);

/// With g = dy where `relu_output` > 0 and 0 elsewhere (g = dy when `relu_output` is NULL): sum(g) and
/// sum(g * (x - mean)) over the channel's values; g also written to `masked_gradient` (laid out as dy) when not NULL.
void fovea_batch_norm_gradient_sums(
    int level, struct fovea_channel_planes layout, const float *dy, const float *relu_output, const float *x,
    float mean, float *masked_gradient, double *sum_dy, double *sum_dy_centered);

/// dx = k * g + a * x + b over the channel's values, with g as in `fovea_batch_norm_gradient_sums`; dx = k * g when
/// `x` is NULL.
void fovea_batch_norm_input_gradient(
    int level, struct fovea_channel_planes layout, const float *dy, const float *relu_output, const float *x, float k,
    float a, float b, float *dx);

#endif
