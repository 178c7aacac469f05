// Direct 2-D convolution for small patches on CPU devices (PoCL), NCHW, one group. PoCL does not vectorize across the
// work items of these loop-heavy kernels, so each work item computes a row segment of PX outputs as one floatPX vector
// (PX = the device's float vector width), reading inputs that pad2d has copied into zero-padded planes: every tap is an
// unguarded vector load, and each loaded vector serves a whole channel tile (pad2d in layout.cl makes the copies).
// y[n, oc, oh, ow] = activation(bias[oc] + sum over c, i, j of w[oc, c, i, j] * x[n, c, oh * SH - PT + i * DH, ow * SW - PL + j * DW]).
// Compiled per patch: -DKH -DKW -DDH -DDW, -DPX and -DWG (weight-gradient group size). The stride is not compiled in:
// the forward and weight-gradient kernels come twice, for stride 1 (contiguous loads) and with the stride as arguments
// (`_strided`, gathers), so a strided layer shares its program with the stride-1 layers of its patch and a stride-1
// kernel never compiles the gathers.
// Channel tiles: the forward and input-gradient kernels exist once per tile the program holds, named with it
// (conv_rows_forward_8): -DTILE (the device's full tile) and, optionally, -DNARROW_TILE (a layer with fewer channels
// than that). One program then serves a layer of 6 output channels and the next layer's input gradient into those 6
// channels, where one program per tile would cost PoCL another build (about 0.45 s of a cold start each).

#ifndef KH  // defaults (a 3x3, stride 1 convolution) so the file also builds on its own
#define KH 3
#define KW 3
#define DH 1
#define DW 1
#define TILE 8
#define PX 16
#define WG 16
#endif

#include "activation.cl"

#define KK (KH * KW)
#define MAX_TILE 16
// Inlined before the channel-tile loops unroll, so that each caller's constant tile leaves its accumulators in registers.
#define ALWAYS_INLINE static inline __attribute__((always_inline))
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
typedef CAT(float, PX) floatP;
#define VLOADP(p) CAT(vload, PX)(0, p)
#define VSTOREP(v, p) CAT(vstore, PX)(v, 0, p)

// PX values p[0], p[stride], ..., p[(PX - 1) * stride]: one vector load when `strided` (a constant in every caller, so
// only one of the two forms is compiled) is 0.
inline floatP load_strided(__global const float *p, int stride, const int strided) {
    if (!strided) return VLOADP(p);
    float lanes[PX];
    #pragma unroll
    for (int l = 0; l < PX; ++l) lanes[l] = p[l * stride];
    return VLOADP(lanes);
}

inline float sum_lanes(floatP v) {
    float lanes[PX];
    VSTOREP(v, lanes);
    float sum = 0.0f;
    #pragma unroll
    for (int l = 0; l < PX; ++l) sum += lanes[l];
    return sum;
}

// Writes activation(acc[t] (+ bias)) to the valid pixels ow0 .. of row oh of channels oc0 + t of y [N, OC, OH, OW].
ALWAYS_INLINE void store_rows(__global float *y, const floatP *acc, int tile, __global const float *bias, int activation,
                       int n, int oc0, int oh, int ow0, int OC, int OH, int OW) {
    int valid = min(PX, OW - ow0);
    for (int t = 0; t < tile && oc0 + t < OC; ++t) {
        floatP v = acc[t] + (bias ? bias[oc0 + t] : 0.0f);
        v = ACTIVATE(activation, v);
        __global float *out = y + (((size_t)n * OC + oc0 + t) * OH + oh) * OW + ow0;
        if (valid == PX) {
            VSTOREP(v, out);
        } else {
            float lanes[PX];
            VSTOREP(v, lanes);
            for (int l = 0; l < valid; ++l) out[l] = lanes[l];
        }
    }
}

// xp: the input padded to [N, C, HP, WP] (row r holds input row r - PT). One work item per (image, output row, segment
// of PX pixels) and tile of output channels: global [N * OH * ceil(OW / PX), ceil(OC / tile)].
// tile: output channels per work item, a constant in every caller.
ALWAYS_INLINE void forward_rows(__global const float *xp, __global const float *w, __global const float *bias,
                                int has_bias, int activation, __global float *y, int N, int C, int OC, int OH, int OW,
                                int HP, int WP, int SH, int SW, const int strided, const int tile) {
    int segments = (OW + PX - 1) / PX;
    int q = get_global_id(0), oc0 = get_global_id(1) * tile;
    if (q >= N * OH * segments) return;
    int n = q / (OH * segments), r = q - n * OH * segments;
    int oh = r / segments, ow0 = (r - oh * segments) * PX;
    floatP acc[MAX_TILE];
    #pragma unroll
    for (int t = 0; t < tile; ++t) acc[t] = 0.0f;
    for (int c = 0; c < C; ++c) {
        __global const float *xr = xp + (((size_t)n * C + c) * HP + oh * SH) * WP + ow0 * SW;
        for (int i = 0; i < KH; ++i) {
            for (int j = 0; j < KW; ++j) {
                floatP xv = load_strided(xr + i * DH * WP + j * DW, SW, strided);
                #pragma unroll
                for (int t = 0; t < tile; ++t) acc[t] += w[((min(oc0 + t, OC - 1) * C + c) * KH + i) * KW + j] * xv;
            }
        }
    }
    store_rows(y, acc, tile, has_bias ? bias : 0, activation, n, oc0, oh, ow0, OC, OH, OW);
}

// Input gradient: the stride-1 convolution of the output gradient, padded to [N, OC, HP, WP] with (K - 1) * D - P
// above and to the left (and, for a strided layer, S - 1 zeros inserted between its rows and columns), with the rotated,
// transposed weight. Global [N * H * ceil(W / PX), ceil(C / tile)].
ALWAYS_INLINE void backward_data_rows(__global const float *gp, __global const float *w, __global float *gx,
                                      int N, int C, int H, int W, int OC, int HP, int WP, const int tile) {
    int segments = (W + PX - 1) / PX;
    int q = get_global_id(0), c0 = get_global_id(1) * tile;
    if (q >= N * H * segments) return;
    int n = q / (H * segments), r = q - n * H * segments;
    int h = r / segments, w0 = (r - h * segments) * PX;
    floatP acc[MAX_TILE];
    #pragma unroll
    for (int t = 0; t < tile; ++t) acc[t] = 0.0f;
    for (int oc = 0; oc < OC; ++oc) {
        __global const float *gr = gp + (((size_t)n * OC + oc) * HP + h) * WP + w0;
        for (int i = 0; i < KH; ++i) {
            for (int j = 0; j < KW; ++j) {
                floatP gv = VLOADP(gr + i * DH * WP + j * DW);
                #pragma unroll
                for (int t = 0; t < tile; ++t) acc[t] += w[((oc * C + min(c0 + t, C - 1)) * KH + KH - 1 - i) * KW + KW - 1 - j] * gv;
            }
        }
    }
    store_rows(gx, acc, tile, 0, ACT_IDENTITY, n, c0, h, w0, C, H, W);
}

// Weight gradient from the padded input xp [N, C, HP, WP] (as for the forward) and the output gradient padded with
// zeros on the right to gp [N, OC, OH, GW] (GW = segments * PX). One work-group of WG items per (oc, c) pair and batch
// split s (global [WG * OC * C, splits], local [WG, 1]); it sums over images s, s + splits, ... and writes
// out[(s * OC * C + oc * C + c) * KK + k].
inline void backward_weight_rows(__global const float *gp, __global const float *xp, __global float *out,
                                 int N, int C, int OC, int OH, int GW, int HP, int WP, int SH, int SW,
                                 const int strided, __local float *partial) {
    int pair = get_group_id(0), lid = get_local_id(0), s = get_global_id(1), splits = get_global_size(1);
    int oc = pair / C, c = pair - oc * C;
    int segments = GW / PX, rows = OH * segments;
    int images = (N - s + splits - 1) / splits;
    floatP acc[KK];
    #pragma unroll
    for (int k = 0; k < KK; ++k) acc[k] = 0.0f;
    for (int q = lid; q < images * rows; q += WG) {
        int m = q / rows, r = q - m * rows;
        int oh = r / segments, ow0 = (r - oh * segments) * PX;
        int n = s + m * splits;
        floatP gv = VLOADP(gp + (((size_t)n * OC + oc) * OH + oh) * GW + ow0);
        __global const float *xr = xp + (((size_t)n * C + c) * HP + oh * SH) * WP + ow0 * SW;
        #pragma unroll
        for (int i = 0; i < KH; ++i)
            #pragma unroll
            for (int j = 0; j < KW; ++j) acc[i * KW + j] += gv * load_strided(xr + i * DH * WP + j * DW, SW, strided);
    }
    #pragma unroll
    for (int k = 0; k < KK; ++k) partial[k * (WG + 1) + lid] = sum_lanes(acc[k]);
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int k = lid; k < KK; k += WG) {
        float sum = 0.0f;
        for (int r = 0; r < WG; ++r) sum += partial[k * (WG + 1) + r];
        out[((size_t)s * OC * C + pair) * KK + k] = sum;
    }
}

__kernel void conv_rows_backward_weight(__global const float *gp, __global const float *xp, __global float *out,
                                        int N, int C, int OC, int OH, int GW, int HP, int WP) {
    __local float partial[KK * (WG + 1)];
    backward_weight_rows(gp, xp, out, N, C, OC, OH, GW, HP, WP, 1, 1, 0, partial);
}

__kernel void conv_rows_backward_weight_strided(__global const float *gp, __global const float *xp, __global float *out,
                                                int N, int C, int OC, int OH, int GW, int HP, int WP, int SH, int SW) {
    __local float partial[KK * (WG + 1)];
    backward_weight_rows(gp, xp, out, N, C, OC, OH, GW, HP, WP, SH, SW, 1, partial);
}

// The forward (stride 1 and strided) and input-gradient kernels of one channel tile T: conv_rows_forward_T,
// conv_rows_forward_strided_T and conv_rows_backward_data_T.
#define TILE_KERNELS(T)                                                                                                   \
    __kernel void CAT(conv_rows_forward_, T)(__global const float *xp, __global const float *w,                          \
                                             __global const float *bias, int has_bias, int activation,                  \
                                             __global float *y, int N, int C, int OC, int OH, int OW, int HP, int WP) { \
        forward_rows(xp, w, bias, has_bias, activation, y, N, C, OC, OH, OW, HP, WP, 1, 1, 0, T);                       \
    }                                                                                                                     \
    __kernel void CAT(conv_rows_forward_strided_, T)(__global const float *xp, __global const float *w,                  \
                                                     __global const float *bias, int has_bias, int activation,          \
                                                     __global float *y, int N, int C, int OC, int OH, int OW, int HP,   \
                                                     int WP, int SH, int SW) {                                          \
        forward_rows(xp, w, bias, has_bias, activation, y, N, C, OC, OH, OW, HP, WP, SH, SW, 1, T);                     \
    }                                                                                                                     \
    __kernel void CAT(conv_rows_backward_data_, T)(__global const float *gp, __global const float *w,                    \
                                                   __global float *gx, int N, int C, int H, int W, int OC, int HP,      \
                                                   int WP) {                                                            \
        backward_data_rows(gp, w, gx, N, C, H, W, OC, HP, WP, T);                                                       \
    }

TILE_KERNELS(TILE)
#ifdef NARROW_TILE
TILE_KERNELS(NARROW_TILE)
#endif
