// 2-D pooling over NCHW planes, specialized by -DKIND=: 0 max, 1 average, 2 sum, 3 min, 4 L2 (sqrt of the sum of squares).
// Each kind's kernels carry its name (pool2d_max, pool2d_backward_tiled_average, ...), so the step bundle can hold two
// kinds in one program.
// Padding as PyTorch: max/min ignore padded cells (-inf/+inf), average divides by the whole window (count_include_pad),
// sum and L2 treat them as zeros. Every window holds at least one real element (padding <= kernel / 2).

#define KIND_MAX 0
#define KIND_AVERAGE 1
#define KIND_SUM 2
#define KIND_MIN 3
#define KIND_L2 4

// Whether v replaces the running extreme acc (lanewise): the scalar loops' `v > acc` (max) or `v < acc` (min).
#if KIND == KIND_MAX
#define EXTREME_OVER(v, acc) ((v) > (acc))
#define EXTREME_START (-INFINITY)
#else
#define EXTREME_OVER(v, acc) ((v) < (acc))
#define EXTREME_START INFINITY
#endif

#if KIND == KIND_MAX
#define POOL_KERNEL(name) name##_max
#elif KIND == KIND_AVERAGE
#define POOL_KERNEL(name) name##_average
#elif KIND == KIND_SUM
#define POOL_KERNEL(name) name##_sum
#elif KIND == KIND_MIN
#define POOL_KERNEL(name) name##_min
#else
#define POOL_KERNEL(name) name##_l2
#endif

// Global [planes * ceil(OW / chunk), OH]: each work item does `chunk` consecutive outputs of a row (1 on GPUs, the whole
// row on CPUs, where max and min take 2x2, stride 2 windows four at a time as float8 rows). Planes (N * C) ride on
// dimension 0, which has no 65535 limit.
__kernel void POOL_KERNEL(pool2d)(__global const float *x, __global float *y, int planes, int H, int W,
                                  int KH, int KW, int SH, int SW, int PH, int PW, int OH, int OW, int chunk) {
    int row_items = (OW + chunk - 1) / chunk;
    int oh = get_global_id(1), plane = get_global_id(0) / row_items;
    if (oh >= OH || plane >= planes) return;
    __global const float *in = x + (size_t)plane * H * W;
    int ow = (get_global_id(0) % row_items) * chunk, end = min(ow + chunk, OW);
#if KIND == KIND_MAX || KIND == KIND_MIN
    if (KH == 2 && KW == 2 && SH == 2 && SW == 2 && PH == 0 && PW == 0 && 2 * OW <= W && 2 * OH <= H) {
        // The usual 2x2, stride 2 window, four at a time: two float8 rows (every window inside the plane, so the
        // loads need no bounds), the window's cells taken in row-major order with the scalar loop's comparison (a NaN
        // never replaces the running extreme).
        for (; ow + 4 <= end; ow += 4) {
            float8 top = vload8(0, in + 2 * oh * W + 2 * ow), bottom = vload8(0, in + (2 * oh + 1) * W + 2 * ow);
            float4 acc = EXTREME_START;
            acc = select(acc, top.even, EXTREME_OVER(top.even, acc));
            acc = select(acc, top.odd, EXTREME_OVER(top.odd, acc));
            acc = select(acc, bottom.even, EXTREME_OVER(bottom.even, acc));
            acc = select(acc, bottom.odd, EXTREME_OVER(bottom.odd, acc));
            vstore4(acc, 0, y + ((size_t)plane * OH + oh) * OW + ow);
        }
    }
#endif
    for (; ow < end; ++ow) {
        int h0 = oh * SH - PH, w0 = ow * SW - PW;
#if KIND == KIND_MAX
        float acc = -INFINITY;
#elif KIND == KIND_MIN
        float acc = INFINITY;
#else
        float acc = 0.0f;
#endif
        for (int h = max(h0, 0); h < min(h0 + KH, H); ++h) {
            for (int w = max(w0, 0); w < min(w0 + KW, W); ++w) {
                float v = in[h * W + w];
#if KIND == KIND_MAX
                if (v > acc) acc = v;
#elif KIND == KIND_MIN
                if (v < acc) acc = v;
#elif KIND == KIND_L2
                acc += v * v;
#else
                acc += v;
#endif
            }
        }
#if KIND == KIND_AVERAGE
        acc /= (float)(KH * KW);
#elif KIND == KIND_L2
        acc = sqrt(acc);
#endif
        y[((size_t)plane * OH + oh) * OW + ow] = acc;
    }
}

// Gradient as a gather: each input element sums over the output windows that cover it (no atomics).
// Max/min route a window's gradient to its first extreme element in row-major order.
__kernel void POOL_KERNEL(pool2d_backward)(__global const float *gy, __global const float *x, __global const float *y,
                                           __global float *gx, int planes, int H, int W, int KH, int KW, int SH, int SW,
                                           int PH, int PW, int OH, int OW) {
    int index = get_global_id(0);
    if (index >= planes * H * W) return;
    int w = index % W, h = (index / W) % H, plane = index / (W * H);
    size_t out_base = (size_t)plane * OH * OW;
    int first_h = h + PH - KH + 1, first_w = w + PW - KW + 1;
    int oh_start = first_h <= 0 ? 0 : (first_h + SH - 1) / SH, oh_end = min(OH - 1, (h + PH) / SH);
    int ow_start = first_w <= 0 ? 0 : (first_w + SW - 1) / SW, ow_end = min(OW - 1, (w + PW) / SW);
#if KIND != KIND_SUM && KIND != KIND_AVERAGE
    float v = x[index];
#endif
#if KIND == KIND_MAX || KIND == KIND_MIN
    __global const float *in = x + (size_t)plane * H * W;
#endif
    float sum = 0.0f;
    for (int oh = oh_start; oh <= oh_end; ++oh) {
        for (int ow = ow_start; ow <= ow_end; ++ow) {
            float g = gy[out_base + oh * OW + ow];
#if KIND == KIND_SUM
            sum += g;
#elif KIND == KIND_AVERAGE
            sum += g / (float)(KH * KW);
#elif KIND == KIND_L2
            float norm = y[out_base + oh * OW + ow];
            if (norm > 0.0f) sum += g * v / norm;
#else
            float extreme = y[out_base + oh * OW + ow];
            if (v != extreme) continue;
            // This element wins only if no earlier element of the window (row-major) holds the extreme.
            int h0 = oh * SH - PH, w0 = ow * SW - PW;
            bool first = true;
            for (int hh = max(h0, 0); hh <= h && first; ++hh) {
                int w_end = hh == h ? w : min(w0 + KW, W);
                for (int ww = max(w0, 0); ww < w_end; ++ww) {
                    if (in[hh * W + ww] == extreme) { first = false; break; }
                }
            }
            if (first) sum += g;
#endif
        }
    }
    gx[index] = sum;
}

// Gradient when the windows tile the input exactly (stride == kernel, no padding, H == OH * KH, W == OW * KW): each
// window writes all of its KH * KW input gradients, without looking at overlapping windows. Same routing as
// pool2d_backward. Global [planes * ceil(OW / chunk), OH], `chunk` windows of a row per work item, as in pool2d.
__kernel void POOL_KERNEL(pool2d_backward_tiled)(__global const float *gy, __global const float *x,
                                                 __global const float *y, __global float *gx, int planes, int H, int W,
                                                 int KH, int KW, int SH, int SW, int PH, int PW, int OH, int OW,
                                                 int chunk) {
    int row_items = (OW + chunk - 1) / chunk;
    int oh = get_global_id(1), plane = get_global_id(0) / row_items;
    if (oh >= OH || plane >= planes) return;
    int ow = (get_global_id(0) % row_items) * chunk, end = min(ow + chunk, OW);
#if KIND == KIND_MAX || KIND == KIND_MIN
    if (KH == 2 && KW == 2) {
        // Four 2x2 windows at a time, as the scalar 2x2 path below: each window's gradient to the first of its cells
        // equal to the extreme, both rows read and written as float8.
        const uint8 interleave = (uint8)(0, 4, 1, 5, 2, 6, 3, 7);
        for (; ow + 4 <= end; ow += 4) {
            size_t out = ((size_t)plane * OH + oh) * OW + ow;
            size_t base = (size_t)plane * H * W + (size_t)oh * 2 * W + ow * 2;
            float4 g = vload4(0, gy + out), extreme = vload4(0, y + out), zero = 0.0f;
            float8 top = vload8(0, x + base), bottom = vload8(0, x + base + W);
            int4 a = top.even == extreme, b = ~a & (top.odd == extreme);
            int4 c = ~(a | b) & (bottom.even == extreme), d = ~(a | b | c) & (bottom.odd == extreme);
            vstore8(shuffle2(select(zero, g, a), select(zero, g, b), interleave), 0, gx + base);
            vstore8(shuffle2(select(zero, g, c), select(zero, g, d), interleave), 0, gx + base + W);
        }
    }
#endif
    for (; ow < end; ++ow) {
        size_t out = ((size_t)plane * OH + oh) * OW + ow;
        size_t base = (size_t)plane * H * W + (size_t)oh * KH * W + ow * KW;
        float g = gy[out];
#if KIND == KIND_MAX || KIND == KIND_MIN
        float extreme = y[out];
        if (KH == 2 && KW == 2) {
            // The usual 2x2 window without the loops' carried flag: the first of the four equal to the extreme, each
            // row read and written as one float2.
            float2 top = vload2(0, x + base), bottom = vload2(0, x + base + W);
            bool a = top.x == extreme, b = !a && top.y == extreme, c = !a && !b && bottom.x == extreme;
            bool d = !a && !b && !c && bottom.y == extreme;
            vstore2((float2)(a ? g : 0.0f, b ? g : 0.0f), 0, gx + base);
            vstore2((float2)(c ? g : 0.0f, d ? g : 0.0f), 0, gx + base + W);
            continue;
        }
        bool routed = false;
        for (int i = 0; i < KH; ++i) {
            for (int j = 0; j < KW; ++j) {
                bool here = !routed && x[base + i * W + j] == extreme;
                routed = routed || here;
                gx[base + i * W + j] = here ? g : 0.0f;
            }
        }
#elif KIND == KIND_L2
        float norm = y[out];
        for (int i = 0; i < KH; ++i)
            for (int j = 0; j < KW; ++j) gx[base + i * W + j] = norm > 0.0f ? g * x[base + i * W + j] / norm : 0.0f;
#else
#if KIND == KIND_AVERAGE
        g /= (float)(KH * KW);
#endif
        for (int i = 0; i < KH; ++i)
            for (int j = 0; j < KW; ++j) gx[base + i * W + j] = g;
#endif
    }
}

#undef POOL_KERNEL
#undef EXTREME_OVER
#undef EXTREME_START
