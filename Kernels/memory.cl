// Whole-buffer operations: y += alpha * x, sums of slices and of Int32 buffers (fills are the driver's
// clEnqueueFillBuffer).

#include "chunk.cl"

__kernel void axpy(float alpha, __global const float *x, __global float *y, int n, int chunk) {
    FOR_CHUNK y[i] += alpha * x[i];
}

// out[i] = sum over s of slices[s * count + i] (per-split partial results, e.g. weight gradients).
__kernel void sum_slices(__global const float *slices, __global float *out, int count, int slices_count) {
    int i = get_global_id(0);
    if (i >= count) return;
    float sum = 0.0f;
    for (int s = 0; s < slices_count; ++s) sum += slices[(size_t)s * count + i];
    out[i] = sum;
}

// out[i] = a[i] + b[i] over Int32 buffers: BatchNorm's batch counter each training step, here because every step builds
// this program anyway (elementwise.cl's strided kernel would cost a cold start a program and a compilation for it).
__kernel void add_int(__global const int *a, __global const int *b, __global int *out, int n) {
    int i = get_global_id(0);
    if (i < n) out[i] = a[i] + b[i];
}
