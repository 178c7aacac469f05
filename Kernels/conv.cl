// 2-D convolution building blocks for im2col + GEMM, over the images batch_start ..< batch_start + count of an NCHW batch.
// The column matrix has one row per (channel, kernel row, kernel column) and one column per (image, output row, output column):
// cols[(c * KH + i) * KW + j][(n * OH + oh) * OW + ow] = x[batch_start + n, c, oh * SH - PT + i * DH, ow * SW - PL + j * DW].

#include "activation.cl"

__kernel void im2col(__global const float *x, __global float *cols, int batch_start, int count,
                     int C, int H, int W, int KH, int KW, int SH, int SW, int PT, int PL, int DH, int DW, int OH, int OW) {
    int col = get_global_id(0), row = get_global_id(1);
    int m = count * OH * OW;
    if (col >= m || row >= C * KH * KW) return;
    int j = row % KW, i = (row / KW) % KH, c = row / (KW * KH);
    int ow = col % OW, oh = (col / OW) % OH, n = col / (OW * OH);
    int h = oh * SH - PT + i * DH, w = ow * SW - PL + j * DW;
    float v = 0.0f;
    if (h >= 0 && h < H && w >= 0 && w < W) v = x[((size_t)(batch_start + n) * C + c) * H * W + h * W + w];
    cols[(size_t)row * m + col] = v;
}

// The adjoint of im2col as a gather: each input element sums the column entries that read it (no atomics).
// Overwrites images batch_start ..< batch_start + count of gx.
__kernel void col2im(__global const float *cols, __global float *gx, int batch_start, int count,
                     int C, int H, int W, int KH, int KW, int SH, int SW, int PT, int PL, int DH, int DW, int OH, int OW) {
    int index = get_global_id(0);
    if (index >= count * C * H * W) return;
    int w = index % W, h = (index / W) % H, c = (index / (W * H)) % C, n = index / (W * H * C);
    int m = count * OH * OW;
    float sum = 0.0f;
    for (int i = 0; i < KH; ++i) {
        int hh = h + PT - i * DH;
        if (hh < 0) break;
        if (hh % SH != 0 || hh / SH >= OH) continue;
        int oh = hh / SH;
        for (int j = 0; j < KW; ++j) {
            int ww = w + PL - j * DW;
            if (ww < 0) break;
            if (ww % SW != 0 || ww / SW >= OW) continue;
            sum += cols[(size_t)((c * KH + i) * KW + j) * m + (n * OH + oh) * OW + ww / SW];
        }
    }
    gx[(size_t)batch_start * C * H * W + index] = sum;
}

// rows is [OC][count * OH * OW] (the GEMM result); y is NCHW. plane = OH * OW.
__kernel void conv_scatter_output(__global const float *rows, __global float *y, int batch_start, int count, int OC, int plane) {
    int index = get_global_id(0);
    if (index >= count * OC * plane) return;
    int p = index % plane, oc = (index / plane) % OC, n = index / (plane * OC);
    y[(size_t)batch_start * OC * plane + index] = rows[(size_t)oc * count * plane + n * plane + p];
}

__kernel void conv_scatter_output_bias(__global const float *rows, __global const float *bias, __global float *y,
                                       int batch_start, int count, int OC, int plane) {
    int index = get_global_id(0);
    if (index >= count * OC * plane) return;
    int p = index % plane, oc = (index / plane) % OC, n = index / (plane * OC);
    y[(size_t)batch_start * OC * plane + index] = rows[(size_t)oc * count * plane + n * plane + p] + bias[oc];
}

// The inverse of conv_scatter_output: NCHW gy -> rows [OC][count * plane].
__kernel void conv_gather_output(__global const float *gy, __global float *rows, int batch_start, int count, int OC, int plane) {
    int index = get_global_id(0);
    if (index >= count * OC * plane) return;
    int p = index % plane, oc = (index / plane) % OC, n = index / (plane * OC);
    rows[(size_t)oc * count * plane + n * plane + p] = gy[(size_t)batch_start * OC * plane + index];
}

// Bias gradient, through an activation when ACT is not ACT_IDENTITY: gp = gy * activation'(x) from the output y is
// written (the gradient the convolution's backward takes) and summed, gb[oc] = the sum over images and pixels of gp (or
// of gy), written when has_bias. One work-group of BIAS_GROUP items per channel; the channel's planes are cut into
// BIAS_GROUP pieces or more (whole planes when the batch is large), each walked contiguously in float4s. One kernel per
// activation (conv_bias_grad_relu, ...): with the activation a constant, PoCL compiles the kernel in 0.11-0.15 s at a
// cold start instead of 0.18-0.2.
#define BIAS_GROUP 64
#define BIAS_GRAD_KERNEL(NAME, ACT) \
__kernel __attribute__((reqd_work_group_size(BIAS_GROUP, 1, 1))) \
void NAME(__global const float *gy, __global const float *y, __global float *gp, __global float *gb, int has_bias, \
          int batch, int OC, int plane) { \
    __local float partial[BIAS_GROUP]; \
    int oc = get_group_id(0), lid = get_local_id(0); \
    int pieces = max(1, BIAS_GROUP / batch); \
    int length = ((plane + pieces - 1) / pieces + 3) & ~3; \
    float4 sum4 = (float4)(0.0f); \
    float sum = 0.0f; \
    for (int q = lid; q < batch * pieces; q += BIAS_GROUP) { \
        int n = q / pieces, start = (q - n * pieces) * length, end = min(plane, start + length); \
        size_t base = ((size_t)n * OC + oc) * plane; \
        int p = start; \
        if (ACT == ACT_IDENTITY) { \
            for (; p + 4 <= end; p += 4) sum4 += vload4(0, gy + base + p); \
            for (; p < end; ++p) sum += gy[base + p]; \
        } else { \
            for (; p + 4 <= end; p += 4) { \
                float4 g = activation_gradient4(ACT, vload4(0, gy + base + p), vload4(0, y + base + p)); \
                vstore4(g, 0, gp + base + p); \
                sum4 += g; \
            } \
            for (; p < end; ++p) { \
                float g = activation_gradient(ACT, gy[base + p], y[base + p]); \
                gp[base + p] = g; \
                sum += g; \
            } \
        } \
    } \
    partial[lid] = sum + sum4.x + sum4.y + sum4.z + sum4.w; \
    barrier(CLK_LOCAL_MEM_FENCE); \
    for (int width = BIAS_GROUP / 2; width > 0; width /= 2) { \
        if (lid < width) partial[lid] += partial[lid + width]; \
        barrier(CLK_LOCAL_MEM_FENCE); \
    } \
    if (lid == 0 && has_bias) gb[oc] = partial[0]; \
}
BIAS_GRAD_KERNEL(conv_bias_grad_identity, ACT_IDENTITY)
BIAS_GRAD_KERNEL(conv_bias_grad_relu, ACT_RELU)
BIAS_GRAD_KERNEL(conv_bias_grad_sigmoid, ACT_SIGMOID)
BIAS_GRAD_KERNEL(conv_bias_grad_tanh, ACT_TANH)
