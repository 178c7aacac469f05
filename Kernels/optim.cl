// Fused optimizer steps, in place, each work item over a chunk of elements (chunk.cl; PyTorch's update rules, see
// OptimizerBackend.swift). Optional state buffers come with a flag; when it is 0 the buffer is a placeholder that is
// never touched.

#include "chunk.cl"

__kernel void sgd_step(__global float *param, __global const float *grad, __global float *buffer, int has_buffer, int n,
                       float lr, float momentum, float dampening, float weight_decay, int nesterov, int first_step,
                       int chunk) {
    FOR_CHUNK {
        float d = grad[i] + weight_decay * param[i];
        if (has_buffer) {
            float b = first_step ? d : momentum * buffer[i] + (1.0f - dampening) * d;
            buffer[i] = b;
            d = nesterov ? d + momentum * b : b;
        }
        param[i] -= lr * d;
    }
}

// step_size = lr / (1 - beta1^t), root2 = sqrt(1 - beta2^t); decay = 1 - lr * wd for AdamW (else 1),
// coupled_decay = wd for Adam (else 0).
__kernel void adam_step(__global float *param, __global const float *grad, __global float *m, __global float *v, int n,
                        float beta1, float beta2, float eps, float step_size, float root2, float decay,
                        float coupled_decay, int chunk) {
    FOR_CHUNK {
        float p = param[i];
        float d = grad[i] + coupled_decay * p;
        float mi = m[i] + (1.0f - beta1) * (d - m[i]);
        float vi = beta2 * v[i] + (1.0f - beta2) * d * d;
        m[i] = mi;
        v[i] = vi;
        param[i] = p * decay - step_size * mi / (sqrt(vi) / root2 + eps);
    }
}

__kernel void rmsprop_step(__global float *param, __global const float *grad, __global float *square_avg,
                           __global float *grad_avg, int centered, __global float *buffer, int has_buffer, int n,
                           float lr, float alpha, float eps, float weight_decay, float momentum, int chunk) {
    FOR_CHUNK {
        float d = grad[i] + weight_decay * param[i];
        float square = alpha * square_avg[i] + (1.0f - alpha) * d * d;
        square_avg[i] = square;
        float variance = square;
        if (centered) {
            float average = grad_avg[i] + (1.0f - alpha) * (d - grad_avg[i]);
            grad_avg[i] = average;
            variance -= average * average;
        }
        float denominator = sqrt(variance) + eps;
        if (has_buffer) {
            float b = momentum * buffer[i] + d / denominator;
            buffer[i] = b;
            param[i] -= lr * b;
        } else {
            param[i] -= lr * d / denominator;
        }
    }
}

__kernel void adagrad_step(__global float *param, __global const float *grad, __global float *sum, int n,
                           float lr, float eps, float weight_decay, int chunk) {
    FOR_CHUNK {
        float d = grad[i] + weight_decay * param[i];
        float s = sum[i] + d * d;
        sum[i] = s;
        param[i] -= lr * d / (sqrt(s) + eps);
    }
}

#ifndef LOCAL_SIZE
#define LOCAL_SIZE 256
#endif

// One work-group: accumulator[0] += sum of x^2.
__kernel __attribute__((reqd_work_group_size(LOCAL_SIZE, 1, 1)))
void accumulate_sum_of_squares(__global const float *x, int n, __global float *accumulator) {
    __local float scratch[LOCAL_SIZE];
    int lid = get_local_id(0);
    float sum = 0.0f;
    for (int i = lid; i < n; i += LOCAL_SIZE) sum += x[i] * x[i];
    scratch[lid] = sum;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = LOCAL_SIZE / 2; stride > 0; stride >>= 1) {
        if (lid < stride) scratch[lid] += scratch[lid + stride];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) accumulator[0] += scratch[0];
}

// x *= min(1, max_norm / (sqrt(sum_of_squares[0]) + 1e-6)).
__kernel void clip_to_norm(__global float *x, int n, __global const float *sum_of_squares, float max_norm, int chunk) {
    float factor = fmin(1.0f, max_norm / (sqrt(sum_of_squares[0]) + 1e-6f));
    FOR_CHUNK x[i] *= factor;
}
