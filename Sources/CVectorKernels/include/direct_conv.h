// Direct convolution, for layers with few channels (LeNet's first layer reads one): each output plane a run of vectors
// along its rows, every kernel offset a load of a few vectors shared by a block of output channels, no column matrix.
#ifndef FOVEA_DIRECT_CONV_H
#define FOVEA_DIRECT_CONV_H

#include <stddef.h>

#include "simd_level.h"

/// One image of an undilated, ungrouped correlation: the input [in_channels][height][width] and the output
/// [out_channels][out_height][out_width]; output (y, x) reads input (stride_height * y + ky - pad_top,
/// stride_width * x + kx - pad_left) at kernel offset (ky, kx), 0 outside the input. Padding may be negative (the
/// input gradient's correlation of a widely padded layer); strides are 1 or more.
struct fovea_direct_shape {
    int in_channels, height, width;
    int out_channels, out_height, out_width;
    int kernel_height, kernel_width;
    int pad_top, pad_left;
    int stride_height, stride_width;
};

/// Floats of scratch a call at `level` needs for `shape` (the input zero-padded, and the outputs or output gradient).
size_t fovea_direct_scratch(int level, struct fovea_direct_shape shape);

/// The lanes of `level`'s vectors (of the level this CPU runs it at): the partial sums `fovea_direct_weight_sums`
/// keeps per weight.
int fovea_direct_lanes(int level);

/// y = x correlated with weight ([out_channels][in_channels][kernel_height][kernel_width]) plus bias[o] (bias may be
/// NULL) for one image.
void fovea_direct_correlate(
    int level, const float *x, struct fovea_direct_shape shape, const float *weight, const float *bias, float *scratch,
    float *y);

/// How many images a call of `fovea_direct_weight_sums` should take: as many as keep a tile's reads in the level-1
/// cache and the call's padded copies in the level-2 cache (at least 1).
int fovea_direct_weight_images(int level, struct fovea_direct_shape shape);

/// Adds the weight gradient of `images` consecutive images to `sums`, `fovea_direct_lanes(level)` partial sums per
/// weight in the weight's order (weight i's at sums[i * lanes ..< (i + 1) * lanes]): dy[o][y][x] *
/// x[c][y + ky - pad_top][x + kx - pad_left] (the input position strided as in the forward) over the output positions,
/// x the input and dy the output gradient. The scratch is `images` times `fovea_direct_scratch`'s.
void fovea_direct_weight_sums(
    int level, const float *x, const float *dy, int images, struct fovea_direct_shape shape, float *scratch,
    float *sums);

#endif
