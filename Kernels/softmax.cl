// Softmax and log-softmax along the middle axis of (outer, size, inner), stable (the row maximum is subtracted),
// and their backward passes from the forward output y:
//   softmax:     grad_in = y * (g - sum(g * y))
//   log-softmax: grad_in = g - exp(y) * sum(g)

// One work item per row (o, i): for small rows or rows strided by inner > 1.
__kernel void softmax_rows(__global const float *x, __global float *out, int outer, int size, int inner, int use_log) {
    int gid = get_global_id(0);
    if (gid >= outer * inner) return;
    int base = (gid / inner) * size * inner + gid % inner;
    __global const float *xs = x + base;
    __global float *ys = out + base;
    float largest = -INFINITY;
    for (int s = 0; s < size; ++s) largest = fmax(largest, xs[s * inner]);
    float total = 0.0f;
    for (int s = 0; s < size; ++s) total += exp(xs[s * inner] - largest);
    if (use_log) {
        float log_total = log(total);
        for (int s = 0; s < size; ++s) ys[s * inner] = (xs[s * inner] - largest) - log_total;
    } else {
        float inverse = 1.0f / total;
        for (int s = 0; s < size; ++s) ys[s * inner] = exp(xs[s * inner] - largest) * inverse;
    }
}

__kernel void softmax_backward_rows(__global const float *y, __global const float *g, __global float *grad_in,
                                    int outer, int size, int inner, int use_log) {
    int gid = get_global_id(0);
    if (gid >= outer * inner) return;
    int base = (gid / inner) * size * inner + gid % inner;
    __global const float *ys = y + base, *gs = g + base;
    __global float *d = grad_in + base;
    float total = 0.0f;
    if (use_log) {
        for (int s = 0; s < size; ++s) total += gs[s * inner];
        for (int s = 0; s < size; ++s) d[s * inner] = gs[s * inner] - exp(ys[s * inner]) * total;
    } else {
        for (int s = 0; s < size; ++s) total += gs[s * inner] * ys[s * inner];
        for (int s = 0; s < size; ++s) d[s * inner] = ys[s * inner] * (gs[s * inner] - total);
    }
}

// Tree reduction over the work group (power-of-two local size); every item gets the result.
inline float group_reduce(__local float *scratch, float value, int take_max) {
    int t = get_local_id(0);
    scratch[t] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int span = get_local_size(0) / 2; span > 0; span >>= 1) {
        if (t < span) scratch[t] = take_max ? fmax(scratch[t], scratch[t + span]) : scratch[t] + scratch[t + span];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float result = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return result;
}

// One work group per contiguous row (inner == 1), for long rows.
__kernel void softmax_groups(__global const float *x, __global float *out, int size, int use_log, __local float *scratch) {
    int t = get_local_id(0), local_size = get_local_size(0);
    __global const float *xs = x + get_group_id(0) * size;
    __global float *ys = out + get_group_id(0) * size;
    float largest = -INFINITY;
    for (int s = t; s < size; s += local_size) largest = fmax(largest, xs[s]);
    largest = group_reduce(scratch, largest, 1);
    float total = 0.0f;
    for (int s = t; s < size; s += local_size) total += exp(xs[s] - largest);
    total = group_reduce(scratch, total, 0);
    if (use_log) {
        float log_total = log(total);
        for (int s = t; s < size; s += local_size) ys[s] = (xs[s] - largest) - log_total;
    } else {
        float inverse = 1.0f / total;
        for (int s = t; s < size; s += local_size) ys[s] = exp(xs[s] - largest) * inverse;
    }
}

__kernel void softmax_backward_groups(__global const float *y, __global const float *g, __global float *grad_in,
                                      int size, int use_log, __local float *scratch) {
    int t = get_local_id(0), local_size = get_local_size(0);
    int base = get_group_id(0) * size;
    __global const float *ys = y + base, *gs = g + base;
    __global float *d = grad_in + base;
    float total = 0.0f;
    for (int s = t; s < size; s += local_size) total += use_log ? gs[s] : gs[s] * ys[s];
    total = group_reduce(scratch, total, 0);
    for (int s = t; s < size; s += local_size) {
        d[s] = use_log ? gs[s] - exp(ys[s]) * total : ys[s] * (gs[s] - total);
    }
}
