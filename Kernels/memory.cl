// Whole-buffer operations: fill and y += alpha * x.

__kernel void fill(__global float *data, int offset, int n, float value) {
    int i = get_global_id(0);
    if (i < n) data[offset + i] = value;
}

__kernel void axpy(float alpha, __global const float *x, __global float *y, int n) {
    int i = get_global_id(0);
    if (i < n) y[i] += alpha * x[i];
}
