// Batch normalization over x[N, C, S] (S = spatial size): one work-group of LOCAL_SIZE items per channel,
// statistics reduced in local memory. Optional buffers (weight, bias, running stats, gradients) come with a flag;
// when a flag is 0 the buffer is a placeholder that is never touched. With `relu` the output goes through ReLU in the
// same pass, and the backward takes the gradient where that output y is positive.

#include "activation.cl"
#include "group_reduce.cl"

// Element index of the j-th of the N * S values of channel c.
int channel_index(int j, int c, int C, int S) { return (j / S * C + c) * S + j % S; }

// The output gradient at i, zero where a fused ReLU's output y is not positive.
float output_gradient(__global const float *grad_out, __global const float *y, int relu, int i) {
    return relu && !(y[i] > 0.0f) ? 0.0f : grad_out[i];
}

// BATCH_STATS (a build option, so no barrier sits under a run-time branch): 1 normalizes with the batch statistics
// and updates the running ones when has_running; 0 normalizes with the running statistics.
__kernel __attribute__((reqd_work_group_size(LOCAL_SIZE, 1, 1)))
void batch_norm_forward(__global const float *x, __global float *out, int N, int C, int S,
                        __global const float *weight, int has_weight, __global const float *bias, int has_bias,
                        __global float *running_mean, __global float *running_var, int has_running,
                        float momentum, float eps, __global float *saved_mean, __global float *saved_invstd, int relu) {
    __local float scratch[LOCAL_SIZE];
    int c = get_group_id(0), M = N * S;
#if BATCH_STATS
    float sum = 0.0f;
    for (int j = get_local_id(0); j < M; j += LOCAL_SIZE) {
        int i = channel_index(j, c, C, S);
        sum += x[i];
    }
    float mean = group_sum(scratch, sum) / M;
    float squares = 0.0f;
    for (int j = get_local_id(0); j < M; j += LOCAL_SIZE) {
        int i = channel_index(j, c, C, S);
        float d = x[i] - mean;
        squares += d * d;
    }
    squares = group_sum(scratch, squares);
    float invstd = 1.0f / sqrt(squares / M + eps);
    if (has_running && get_local_id(0) == 0) {
        running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * mean;
        running_var[c] = (1.0f - momentum) * running_var[c] + momentum * squares / max(M - 1, 1);
    }
#else
    float mean = running_mean[c];
    float invstd = 1.0f / sqrt(running_var[c] + eps);
#endif
    if (get_local_id(0) == 0) { saved_mean[c] = mean; saved_invstd[c] = invstd; }
    float scale = (has_weight ? weight[c] : 1.0f) * invstd;
    float shift = (has_bias ? bias[c] : 0.0f) - mean * scale;
    for (int j = get_local_id(0); j < M; j += LOCAL_SIZE) {
        int i = channel_index(j, c, C, S);
        float v = x[i] * scale + shift;
        out[i] = relu ? RELU(v) : v;
    }
}

__kernel __attribute__((reqd_work_group_size(LOCAL_SIZE, 1, 1)))
void batch_norm_backward(__global const float *grad_out, __global const float *y, int relu, __global const float *x, int N, int C, int S,
                         __global const float *weight, int has_weight,
                         __global const float *saved_mean, __global const float *saved_invstd, int batch_stats,
                         __global float *grad_input, int need_input, __global float *grad_weight, int need_weight,
                         __global float *grad_bias, int need_bias) {
    __local float scratch[LOCAL_SIZE];
    int c = get_group_id(0), M = N * S;
    float mean = saved_mean[c], invstd = saved_invstd[c];
    float sum_dy = 0.0f, sum_dy_centered = 0.0f;
    for (int j = get_local_id(0); j < M; j += LOCAL_SIZE) {
        int i = channel_index(j, c, C, S);
        float dy = output_gradient(grad_out, y, relu, i);
        sum_dy += dy;
        sum_dy_centered += dy * (x[i] - mean);
    }
    float grad_beta = group_sum(scratch, sum_dy);
    float grad_gamma = group_sum(scratch, sum_dy_centered) * invstd;
    if (get_local_id(0) == 0) {
        if (need_weight) grad_weight[c] = grad_gamma;
        if (need_bias) grad_bias[c] = grad_beta;
    }
    if (!need_input) return;
    float k = (has_weight ? weight[c] : 1.0f) * invstd;
    if (batch_stats) {
        float mean_dy = grad_beta / M, mean_dy_xhat = grad_gamma / M;
        for (int j = get_local_id(0); j < M; j += LOCAL_SIZE) {
            int i = channel_index(j, c, C, S);
            grad_input[i] = k * (output_gradient(grad_out, y, relu, i) - mean_dy - (x[i] - mean) * invstd * mean_dy_xhat);
        }
    } else {
        for (int j = get_local_id(0); j < M; j += LOCAL_SIZE) {
            int i = channel_index(j, c, C, S);
            grad_input[i] = k * output_gradient(grad_out, y, relu, i);
        }
    }
}

// The same two passes for CPU devices (PoCL): one work item per channel, walking each image's S contiguous values of
// the channel eight at a time, so the loops run as SIMD over memory that follows them; no local memory, no barriers.
// Launched over [C] items in groups of 1. The rows of channel c: x + (n * C + c) * S for n < N.
#define CHANNEL_ROWS(n) for (int n = 0; n < N; ++n)
#define ROW(p, n) ((p) + ((size_t)(n) * C + c) * S)
#define SUM8(v) ((v).s0 + (v).s1 + (v).s2 + (v).s3 + (v).s4 + (v).s5 + (v).s6 + (v).s7)
// Before the scalar remainder (at most 7 values) of each float8 loop: LLVM vectorized and unrolled those loops too,
// which took PoCL 0.05-0.1 s more per kernel at a cold start and gained nothing.
#define REMAINDER_LOOP _Pragma("clang loop vectorize(disable) unroll(disable)")

__kernel __attribute__((reqd_work_group_size(1, 1, 1)))
void batch_norm_forward_rows(__global const float *x, __global float *out, int N, int C, int S,
                             __global const float *weight, int has_weight, __global const float *bias, int has_bias,
                             __global float *running_mean, __global float *running_var, int has_running,
                             float momentum, float eps, __global float *saved_mean, __global float *saved_invstd, int relu) {
    int c = get_global_id(0), M = N * S;
    if (c >= C) return;
#if BATCH_STATS
    float8 sum8 = 0.0f;
    float sum = 0.0f;
    CHANNEL_ROWS(n) {
        __global const float *row = ROW(x, n);
        int s = 0;
        for (; s + 8 <= S; s += 8) sum8 += vload8(0, row + s);
        REMAINDER_LOOP for (; s < S; ++s) sum += row[s];
    }
    float mean = (SUM8(sum8) + sum) / M;
    float8 squares8 = 0.0f;
    float squares = 0.0f;
    CHANNEL_ROWS(n) {
        __global const float *row = ROW(x, n);
        int s = 0;
        for (; s + 8 <= S; s += 8) {
            float8 d = vload8(0, row + s) - mean;
            squares8 += d * d;
        }
        REMAINDER_LOOP for (; s < S; ++s) squares += (row[s] - mean) * (row[s] - mean);
    }
    squares += SUM8(squares8);
    float invstd = 1.0f / sqrt(squares / M + eps);
    if (has_running) {
        running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * mean;
        running_var[c] = (1.0f - momentum) * running_var[c] + momentum * squares / max(M - 1, 1);
    }
#else
    float mean = running_mean[c];
    float invstd = 1.0f / sqrt(running_var[c] + eps);
#endif
    saved_mean[c] = mean;
    saved_invstd[c] = invstd;
    float scale = (has_weight ? weight[c] : 1.0f) * invstd;
    float shift = (has_bias ? bias[c] : 0.0f) - mean * scale;
    CHANNEL_ROWS(n) {
        __global const float *row = ROW(x, n);
        __global float *target = ROW(out, n);
        int s = 0;
        for (; s + 8 <= S; s += 8) {
            float8 v = vload8(0, row + s) * scale + shift;
            vstore8(relu ? RELU(v) : v, 0, target + s);
        }
        REMAINDER_LOOP for (; s < S; ++s) {
            float v = row[s] * scale + shift;
            target[s] = relu ? RELU(v) : v;
        }
    }
}

// Eight output gradients of a row from s, zero where a fused ReLU's output is not positive.
float8 output_gradient8(__global const float *grad_row, __global const float *y_row, int relu, int s) {
    float8 g = vload8(0, grad_row + s);
    return relu ? select((float8)0.0f, g, vload8(0, y_row + s) > 0.0f) : g;
}

__kernel __attribute__((reqd_work_group_size(1, 1, 1)))
void batch_norm_backward_rows(__global const float *grad_out, __global const float *y, int relu, __global const float *x,
                              int N, int C, int S, __global const float *weight, int has_weight,
                              __global const float *saved_mean, __global const float *saved_invstd, int batch_stats,
                              __global float *grad_input, int need_input, __global float *grad_weight, int need_weight,
                              __global float *grad_bias, int need_bias) {
    int c = get_global_id(0), M = N * S;
    if (c >= C) return;
    float mean = saved_mean[c], invstd = saved_invstd[c];
    float8 sum_dy8 = 0.0f, centered8 = 0.0f;
    float sum_dy = 0.0f, centered = 0.0f;
    CHANNEL_ROWS(n) {
        __global const float *g = ROW(grad_out, n), *yr = ROW(y, n), *xr = ROW(x, n);
        int s = 0;
        for (; s + 8 <= S; s += 8) {
            float8 dy = output_gradient8(g, yr, relu, s);
            sum_dy8 += dy;
            centered8 += dy * (vload8(0, xr + s) - mean);
        }
        REMAINDER_LOOP for (; s < S; ++s) {
            float dy = output_gradient(g, yr, relu, s);
            sum_dy += dy;
            centered += dy * (xr[s] - mean);
        }
    }
    float grad_beta = SUM8(sum_dy8) + sum_dy, grad_gamma = (SUM8(centered8) + centered) * invstd;
    if (need_weight) grad_weight[c] = grad_gamma;
    if (need_bias) grad_bias[c] = grad_beta;
    if (!need_input) return;
    float k = (has_weight ? weight[c] : 1.0f) * invstd;
    // With batch statistics dx = k * (dy - mean_dy - (x - mean) * invstd * mean_dy_xhat), else k * dy.
    float mean_dy = grad_beta / M, slope = invstd * grad_gamma / M;
    CHANNEL_ROWS(n) {
        __global const float *g = ROW(grad_out, n), *yr = ROW(y, n), *xr = ROW(x, n);
        __global float *target = ROW(grad_input, n);
        int s = 0;
        for (; s + 8 <= S; s += 8) {
            float8 dy = output_gradient8(g, yr, relu, s);
            vstore8(k * (batch_stats ? dy - mean_dy - (vload8(0, xr + s) - mean) * slope : dy), 0, target + s);
        }
        REMAINDER_LOOP for (; s < S; ++s) {
            float dy = output_gradient(g, yr, relu, s);
            target[s] = k * (batch_stats ? dy - mean_dy - (xr[s] - mean) * slope : dy);
        }
    }
}
