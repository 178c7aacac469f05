// Whole-buffer operations: fill and y += alpha * x.

__kernel void fill(__global float *data, int offset, int n, float value) {
    int i = get_global_id(0);
    if (i < n) data[offset + i] = value;
}

__kernel void axpy(float alpha, __global const float *x, __global float *y, int n) {
    int i = get_global_id(0);
    if (i < n) y[i] += alpha * x[i];
}

// out[i] = sum over s of slices[s * count + i] (per-split partial results, e.g. weight gradients).
__kernel void sum_slices(__global const float *slices, __global float *out, int count, int slices_count) {
    int i = get_global_id(0);
    if (i >= count) return;
    float sum = 0.0f;
    for (int s = 0; s < slices_count; ++s) sum += slices[(size_t)s * count + i];
    out[i] = sum;
}
