// Direct 2-D convolution for small patches (few input channels x small kernels), NCHW, one group.
// y[n, oc, oh, ow] = bias[oc] + sum over c, i, j of w[oc, c, i, j] * x[n, c, oh * SH - PT + i * DH, ow * SW - PL + j * DW].
// Compiled per kernel geometry: -DKH -DKW -DSH -DSW -DPT -DPL -DDH -DDW; channel tiles -DOCT (output channels per work
// item, forward) and -DCT (input channels per work item, input gradient); -DPX consecutive pixels of a row per work
// item, as one floatPX vector (1 on GPUs: one pixel per work item, coalesced; 4 or 8 on CPUs, where PoCL turns the
// vectors into SIMD and each loaded input row segment serves PX * KW multiply-adds); -DWG the weight-gradient group size.

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
#define PX 1
#define WG 64
#endif

#define KK (KH * KW)
// Input values one row segment of PX outputs reads.
#define XW ((PX - 1) * SW + (KW - 1) * DW + 1)

#if PX == 1
typedef float floatP;
#define VLOADP(p) (*(p))
#define VSTOREP(v, p) (*(p) = (v))
#else
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
typedef CAT(float, PX) floatP;
#define VLOADP(p) CAT(vload, PX)(0, p)
#define VSTOREP(v, p) CAT(vstore, PX)(v, 0, p)
#endif

inline float sum_lanes(floatP v) {
#if PX == 1
    return v;
#else
    float lanes[PX];
    VSTOREP(v, lanes);
    float sum = 0.0f;
    for (int p = 0; p < PX; ++p) sum += lanes[p];
    return sum;
#endif
}

// Loads the XW input values of row h that outputs ow0 .. ow0 + PX - 1 read (zeros outside the row).
inline void load_window(__global const float *row, int start, int W, float *xs) {
    for (int e = 0; e < XW; ++e) {
        int ww = start + e;
        xs[e] = ww >= 0 && ww < W ? row[ww] : 0.0f;
    }
}

// Lanes p = 0 .. PX - 1 of the window at tap j: xs[p * stride + j * DW].
inline floatP window_tap(const float *xs, int j, int stride) {
    float lanes[PX];
    for (int p = 0; p < PX; ++p) lanes[p] = xs[p * stride + j * DW];
    return VLOADP(lanes);
}

// acc[t] (pixels ow0 .. ow0 + PX - 1 of row oh, output channel oc0 + t < OC) += the convolution of x [N, C, H, W]
// at stride (sh, sw) and padding (pt, pl). With `flip`, the weight is read as the transposed, rotated weight of the
// input gradient: w is [C, OC, KH, KW] and tap (i, j) reads w[c, oc, KH - 1 - i, KW - 1 - j].
inline void convolve_rows(__global const float *x, __global const float *w, floatP *acc, int tile, bool flip,
                          int n, int oc0, int oh, int ow0, int C, int H, int W, int OC, int sh, int sw, int pt, int pl) {
    for (int c = 0; c < C; ++c) {
        __global const float *xc = x + ((size_t)n * C + c) * H * W;
        for (int i = 0; i < KH; ++i) {
            int h = oh * sh - pt + i * DH;
            if (h < 0 || h >= H) continue;
            float xs[XW];
            load_window(xc + h * W, ow0 * sw - pl, W, xs);
            for (int j = 0; j < KW; ++j) {
                floatP xv = window_tap(xs, j, sw);
                for (int t = 0; t < tile; ++t) {
                    int oc = min(oc0 + t, OC - 1);
                    float wv = flip ? w[((c * OC + oc) * KH + KH - 1 - i) * KW + KW - 1 - j] : w[((oc * C + c) * KH + i) * KW + j];
                    acc[t] += wv * xv;
                }
            }
        }
    }
}

// Writes acc[t] (+ bias) to pixels ow0 .. of row oh of channels oc0 + t of y [N, OC, OH, OW].
inline void store_rows(__global float *y, const floatP *acc, int tile, __global const float *bias,
                       int n, int oc0, int oh, int ow0, int OC, int OH, int OW) {
    int valid = min(PX, OW - ow0);
    for (int t = 0; t < tile && oc0 + t < OC; ++t) {
        floatP v = acc[t] + (bias ? bias[oc0 + t] : 0.0f);
        __global float *out = y + (((size_t)n * OC + oc0 + t) * OH + oh) * OW + ow0;
        if (valid == PX) {
            VSTOREP(v, out);
        } else {
            float lanes[PX];
            VSTOREP(v, lanes);
            for (int p = 0; p < valid; ++p) out[p] = lanes[p];
        }
    }
}

// One work item per (image, output row, segment of PX pixels) and tile of OCT output channels:
// global [N * OH * ceil(OW / PX), ceil(OC / OCT)].
__kernel void conv_direct_forward(__global const float *x, __global const float *w, __global const float *bias, int has_bias,
                                  __global float *y, int N, int C, int H, int W, int OC, int OH, int OW) {
    int segments = (OW + PX - 1) / PX;
    int q = get_global_id(0), oc0 = get_global_id(1) * OCT;
    if (q >= N * OH * segments) return;
    int n = q / (OH * segments), r = q - n * OH * segments;
    int oh = r / segments, ow0 = (r - oh * segments) * PX;
    floatP acc[OCT];
    for (int t = 0; t < OCT; ++t) acc[t] = 0.0f;
    convolve_rows(x, w, acc, OCT, false, n, oc0, oh, ow0, C, H, W, OC, SH, SW, PT, PL);
    store_rows(y, acc, OCT, has_bias ? bias : 0, n, oc0, oh, ow0, OC, OH, OW);
}

#if SH == 1 && SW == 1
// Input gradient at stride 1: the convolution of gy with the transposed, rotated weight and padding (K - 1) * D - P.
// Global [N * H * ceil(W / PX), ceil(C / CT)].
__kernel void conv_direct_backward_data(__global const float *gy, __global const float *w, __global float *gx,
                                        int N, int C, int H, int W, int OC, int OH, int OW) {
    int segments = (W + PX - 1) / PX;
    int q = get_global_id(0), c0 = get_global_id(1) * CT;
    if (q >= N * H * segments) return;
    int n = q / (H * segments), r = q - n * H * segments;
    int h = r / segments, w0 = (r - h * segments) * PX;
    floatP acc[CT];
    for (int t = 0; t < CT; ++t) acc[t] = 0.0f;
    convolve_rows(gy, w, acc, CT, true, n, c0, h, w0, OC, OH, OW, C, 1, 1, (KH - 1) * DH - PT, (KW - 1) * DW - PL);
    store_rows(gx, acc, CT, 0, n, c0, h, w0, C, H, W);
}
#else
// Input gradient at other strides, as a gather: one work item per (image, input pixel) and tile of CT input channels,
// global [N * H * W, ceil(C / CT)].
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
#endif

// Weight gradient: one work-group of WG items per (oc, c) pair and batch split s (global [WG * OC * C, splits],
// local [WG, 1]); the group sums over images s, s + splits, ... and writes out[(s * OC * C + oc * C + c) * KK + k].
__kernel void conv_direct_backward_weight(__global const float *gy, __global const float *x, __global float *out,
                                          int N, int C, int H, int W, int OC, int OH, int OW) {
    __local float partial[KK * (WG + 1)];
    int pair = get_group_id(0), lid = get_local_id(0), s = get_global_id(1), splits = get_global_size(1);
    int oc = pair / C, c = pair - oc * C;
    int segments = (OW + PX - 1) / PX, rows = OH * segments;
    int images = (N - s + splits - 1) / splits;
    floatP acc[KK];
    for (int k = 0; k < KK; ++k) acc[k] = 0.0f;
    for (int q = lid; q < images * rows; q += WG) {
        int m = q / rows, r = q - m * rows;
        int oh = r / segments, ow0 = (r - oh * segments) * PX;
        int n = s + m * splits;
        __global const float *g = gy + (((size_t)n * OC + oc) * OH + oh) * OW + ow0;
        float lanes[PX];
        for (int p = 0; p < PX; ++p) lanes[p] = ow0 + p < OW ? g[p] : 0.0f;
        floatP gv = VLOADP(lanes);
        __global const float *xc = x + ((size_t)n * C + c) * H * W;
        for (int i = 0; i < KH; ++i) {
            int h = oh * SH - PT + i * DH;
            if (h < 0 || h >= H) continue;
            float xs[XW];
            load_window(xc + h * W, ow0 * SW - PL, W, xs);
            for (int j = 0; j < KW; ++j) acc[i * KW + j] += gv * window_tap(xs, j, SW);
        }
    }
    for (int k = 0; k < KK; ++k) partial[k * (WG + 1) + lid] = sum_lanes(acc[k]);
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int k = lid; k < KK; k += WG) {
        float sum = 0.0f;
        for (int r = 0; r < WG; ++r) sum += partial[k * (WG + 1) + r];
        out[((size_t)s * OC * C + pair) * KK + k] = sum;
    }
}

// Sums the per-split weight gradients: gw[i] = sum over s of partial[s * count + i].
__kernel void conv_direct_sum_splits(__global const float *partial, __global float *gw, int count, int splits) {
    int i = get_global_id(0);
    if (i >= count) return;
    float sum = 0.0f;
    for (int s = 0; s < splits; ++s) sum += partial[(size_t)s * count + i];
    gw[i] = sum;
}
