// Layout changes: permuting axes (rank padded to 8) and strided row copies.

__kernel void permute(__global const float *x, __global float *out, int n,
                      int d0, int d1, int d2, int d3, int d4, int d5, int d6, int d7,
                      int s0, int s1, int s2, int s3, int s4, int s5, int s6, int s7) {
    int i = get_global_id(0);
    if (i >= n) return;
    int dims[8] = {d0, d1, d2, d3, d4, d5, d6, d7};
    int strides[8] = {s0, s1, s2, s3, s4, s5, s6, s7};
    int remaining = i, offset = 0;
    for (int axis = 7; axis >= 0; --axis) {
        offset += (remaining % dims[axis]) * strides[axis];
        remaining /= dims[axis];
    }
    out[i] = x[offset];
}

__kernel void copy_rows(__global const float *src, int src_offset, int src_stride,
                        __global float *dst, int dst_offset, int dst_stride, int rows, int columns) {
    int c = get_global_id(0), r = get_global_id(1);
    if (c < columns && r < rows) dst[dst_offset + r * dst_stride + c] = src[src_offset + r * src_stride + c];
}
