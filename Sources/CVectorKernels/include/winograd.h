// The transforms of Winograd's F(2x2, 3x3) and F(4x4, 3x3) convolutions (Lavin and Gray, 2016) over the tile rows of
// one channel plane, at a SIMD level, vectorized along each tile row's tile columns. An F(m x m, 3x3) tile has m x m
// outputs and an a x a input patch, a = m + 2. The transformed values of tile t (counted over a block of tile rows) go
// to or come from `slice_stride` apart per position xi = a * i + j of the a x a transform, at
// (t / panel_width) * panel_stride + t % panel_width: with panel_width the packed GEMM's panel width that is its packed
// right-hand side (one channel per row of a panel), with panel_width at least the block's tiles a row-major slice.
#ifndef FOVEA_WINOGRAD_H
#define FOVEA_WINOGRAD_H

#include <stddef.h>

#include "simd_level.h"

/// Where a transform puts (or finds) tile t's value xi: xi * slice_stride + (t / panel_width) * panel_stride +
/// t % panel_width floats from its base.
struct fovea_tile_layout {
    long slice_stride;
    long panel_stride;
    int panel_width;
};

/// One channel plane's geometry: its size, the padding before its first row and column, the tile columns per tile row,
/// and the outputs per tile side (`tile`: 2 for F(2x2, 3x3), 4 for F(4x4, 3x3)).
struct fovea_tile_plane {
    int height, width;
    int pad_top, pad_left;
    int tiles_wide;
    int tile;
};

/// The transformed filter G f G^T of F(tile x tile, 3x3) for the 3x3 filter f (row-major; turned by 180
/// degrees when `flipped`), value xi at u[xi * stride].
void fovea_winograd_filter(int tile, const float *f, int flipped, float *u, long stride);

/// The gradient of the 3x3 filter f (row-major) from that of its transform (value xi at du[xi * stride]): G^T dU G, the
/// adjoint of `fovea_winograd_filter` (unturned).
void fovea_winograd_filter_gradient(int tile, const float *du, long stride, float *f);

/// Floats of scratch `fovea_winograd_input` needs for `tile_rows` tile rows of `plane`.
size_t fovea_winograd_input_scratch(struct fovea_tile_plane plane, int tile_rows);

/// B^T d B for the input patch d of each tile of tile rows first_row ..< first_row + tile_rows of one input
/// channel plane (zero outside it: the padding), written for tiles first_tile, first_tile + 1, ... in `layout` from v.
void fovea_winograd_input(
    int level, const float *x, struct fovea_tile_plane plane, int first_row, int tile_rows, float *scratch, float *v,
    struct fovea_tile_layout layout, int first_tile);

/// Floats of scratch `fovea_winograd_output` needs for `tile_rows` tile rows of `plane`.
size_t fovea_winograd_output_scratch(struct fovea_tile_plane plane, int tile_rows);

/// Tile rows first_row ..< first_row + tile_rows of one output plane (height x width; tiles_wide tile columns) from the
/// products m (A^T m A, plus `bias`), tile first_row's first tile at m, slice_stride apart per xi, one row after
/// another; outputs past the plane's edge are dropped.
void fovea_winograd_output(
    int level, const float *m, long slice_stride, struct fovea_tile_plane plane, int first_row, int tile_rows,
    float bias, float *scratch, float *y);

/// Floats of scratch `fovea_winograd_gradient` needs for `tile_rows` tile rows of `plane`.
size_t fovea_winograd_gradient_scratch(struct fovea_tile_plane plane, int tile_rows);

/// A dY A^T (the adjoint of the output transform) for the tile x tile output-gradient block of each tile of tile rows
/// first_row ..< first_row + tile_rows of one output-gradient plane (zero past its edge), written for tiles
/// first_tile, first_tile + 1, ... in `layout` from v.
void fovea_winograd_gradient(
    int level, const float *dy, struct fovea_tile_plane plane, int first_row, int tile_rows, float *scratch, float *v,
    struct fovea_tile_layout layout, int first_tile);

#endif
