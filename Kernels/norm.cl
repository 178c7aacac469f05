// Batch normalization over x[N, C, S] (S = spatial size): one work-group of LOCAL_SIZE items per channel,
// statistics reduced in local memory. Optional buffers (weight, bias, running stats, gradients) come with a flag;
// when a flag is 0 the buffer is a placeholder that is never touched. With `relu` the output goes through ReLU in the
// same pass, and the backward takes the gradient where that output y is positive.

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
        out[i] = relu ? fmax(v, 0.0f) : v;
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
