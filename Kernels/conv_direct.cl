// Direct 2-D convolution for small patches (few input channels x small kernels), NCHW, one group, as GPUs like it:
// one output (input) pixel per work item, consecutive items on consecutive pixels, guarded loads. CPUs use conv_rows.cl
// (except for the input gradient at strides above 1, which takes the gather here).
// The kernel geometry is compiled in: -DKH -DKW -DSH -DSW -DPT -DPL -DDH -DDW, and the channel tiles -DOCT (output
// channels per work item, forward) and -DCT (input channels per work item, backward data); -DWG the weight-gradient group.
// y[n, oc, oh, ow] = activation(bias[oc] + sum over c, i, j of w[oc, c, i, j] * x[n, c, oh * SH - PT + i * DH, ow * SW - PL + j * DW]).

#ifndef KH  // defaults (a 3x3, stride 1, padding 1 convolution) so the file also builds on its own
#define KH 3
#define KW 3
#define SH 1
#define SW 1
#define PT 1
#define PL 1
#define DH 1
#define DW 1
#define OCT 8
#define CT 8
#define WG 64
#endif

#include "activation.cl"

#define KK (KH * KW)

// One work item per (image, output pixel) and tile of OCT output channels: global [N * OH * OW, ceil(OC / OCT)].
__kernel void conv_direct_forward(__global const float *x, __global const float *w, __global const float *bias, int has_bias,
                                  int activation, __global float *y, int N, int C, int H, int W, int OC, int OH, int OW) {
    int q = get_global_id(0), oc0 = get_global_id(1) * OCT;
    int plane = OH * OW;
    if (q >= N * plane) return;
    int n = q / plane, p = q - n * plane;
    int oh = p / OW, ow = p - oh * OW;
    int h0 = oh * SH - PT, w0 = ow * SW - PL;
    float acc[OCT];
    for (int t = 0; t < OCT; ++t) acc[t] = 0.0f;
    __global const float *xc = x + (size_t)n * C * H * W;
    __global const float *wc = w + (size_t)oc0 * C * KK;
    for (int c = 0; c < C; ++c, xc += H * W, wc += KK) {
        for (int i = 0; i < KH; ++i) {
            int h = h0 + i * DH;
            bool row = h >= 0 && h < H;
            for (int j = 0; j < KW; ++j) {
                int ww = w0 + j * DW;
                float v = row && ww >= 0 && ww < W ? xc[h * W + ww] : 0.0f;
                for (int t = 0; t < OCT; ++t) acc[t] += v * wc[min(t, OC - 1 - oc0) * C * KK + i * KW + j];
            }
        }
    }
    __global float *out = y + ((size_t)n * OC + oc0) * plane + p;
    for (int t = 0; t < OCT && oc0 + t < OC; ++t) out[t * plane] = ACTIVATE(activation, acc[t] + (has_bias ? bias[oc0 + t] : 0.0f));
}

// Input gradient, one work item per (image, input pixel) and tile of CT input channels: global [N * H * W, ceil(C / CT)].
__kernel void conv_direct_backward_data(__global const float *gy, __global const float *w, __global float *gx,
                                        int N, int C, int H, int W, int OC, int OH, int OW) {
    int q = get_global_id(0), c0 = get_global_id(1) * CT;
    int plane = H * W;
    if (q >= N * plane) return;
    int n = q / plane, p = q - n * plane;
    int h = p / W, wx = p - h * W;
    float acc[CT];
    for (int t = 0; t < CT; ++t) acc[t] = 0.0f;
    __global const float *g = gy + (size_t)n * OC * OH * OW;
    for (int oc = 0; oc < OC; ++oc, g += OH * OW) {
        __global const float *wo = w + ((size_t)oc * C + c0) * KK;
        for (int i = 0; i < KH; ++i) {
            int hh = h + PT - i * DH;
            int oh = hh / SH;
            bool row = hh >= 0 && hh - oh * SH == 0 && oh < OH;
            for (int j = 0; j < KW; ++j) {
                int ww = wx + PL - j * DW;
                int ow = ww / SW;
                float v = row && ww >= 0 && ww - ow * SW == 0 && ow < OW ? g[oh * OW + ow] : 0.0f;
                for (int t = 0; t < CT; ++t) acc[t] += v * wo[min(t, C - 1 - c0) * KK + i * KW + j];
            }
        }
    }
    __global float *out = gx + ((size_t)n * C + c0) * plane + p;
    for (int t = 0; t < CT && c0 + t < C; ++t) out[t * plane] = acc[t];
}

// Weight gradient: one work-group of WG items per (oc, c) pair and batch split s (global [WG * OC * C, splits],
// local [WG, 1]); the group sums over images s, s + splits, ... and writes out[(s * OC * C + oc * C + c) * KK + k].
__kernel void conv_direct_backward_weight(__global const float *gy, __global const float *x, __global float *out,
                                          int N, int C, int H, int W, int OC, int OH, int OW) {
    __local float partial[KK * (WG + 1)];
    int pair = get_group_id(0), lid = get_local_id(0), s = get_global_id(1), splits = get_global_size(1);
    int oc = pair / C, c = pair - oc * C;
    int plane = OH * OW;
    int images = (N - s + splits - 1) / splits;
    float acc[KK];
    for (int k = 0; k < KK; ++k) acc[k] = 0.0f;
    for (int q = lid; q < images * plane; q += WG) {
        int m = q / plane, p = q - m * plane;
        int n = s + m * splits;
        int oh = p / OW, ow = p - oh * OW;
        float g = gy[((size_t)n * OC + oc) * plane + p];
        __global const float *xc = x + ((size_t)n * C + c) * H * W;
        int h0 = oh * SH - PT, w0 = ow * SW - PL;
        for (int i = 0; i < KH; ++i) {
            int h = h0 + i * DH;
            bool row = h >= 0 && h < H;
            for (int j = 0; j < KW; ++j) {
                int ww = w0 + j * DW;
                acc[i * KW + j] += row && ww >= 0 && ww < W ? g * xc[h * W + ww] : 0.0f;
            }
        }
    }
    for (int k = 0; k < KK; ++k) partial[k * (WG + 1) + lid] = acc[k];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int k = lid; k < KK; k += WG) {
        float sum = 0.0f;
        for (int r = 0; r < WG; ++r) sum += partial[k * (WG + 1) + r];
        out[((size_t)s * OC * C + pair) * KK + k] = sum;
    }
}
