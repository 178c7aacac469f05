// Strided row copies (concatenation and slicing along any axis). Permutes are strided gathers: `expand` in elementwise.cl.
// Kernels here move 32-bit words, so they serve every 4-byte dtype.

__kernel void copy_rows(__global const uint *src, int src_offset, int src_stride,
                        __global uint *dst, int dst_offset, int dst_stride, int rows, int columns) {
    int c = get_global_id(0), r = get_global_id(1);
    if (c < columns && r < rows) dst[dst_offset + r * dst_stride + c] = src[src_offset + r * src_stride + c];
}

// out[i, :] = x[indices[i], :] for rows of `columns` words; an index outside 0..rows-1 gives a row of zeros and is
// recorded in `bad` (the host throws at its next read). Global [columns, count].
__kernel void gather_rows(__global const uint *x, __global const int *indices, __global uint *out,
                          int rows, int columns, int count, __global int *bad) {
    int c = get_global_id(0), i = get_global_id(1);
    if (c >= columns || i >= count) return;
    int row = indices[i];
    if (row >= 0 && row < rows) {
        out[i * columns + c] = x[row * columns + c];
        return;
    }
    out[i * columns + c] = 0u;
    // The first bad index wins the flag (position, value, axis size); the host reports it at its next read.
    if (c == 0 && atomic_cmpxchg(&bad[0], -1, i) == -1) {
        bad[1] = row;
        bad[2] = rows;
    }
}

// out[indices[i], :] += source[i, :] (the backward of gather_rows). One work item per column walks every index in
// order, so repeated indices need no atomics and the sums are deterministic. Global [columns].
__kernel void scatter_add_rows(__global const float *source, __global const int *indices, __global float *out,
                               int rows, int columns, int count) {
    int c = get_global_id(0);
    if (c >= columns) return;
    for (int i = 0; i < count; ++i) {
        int row = indices[i];
        if (row >= 0 && row < rows) out[row * columns + c] += source[i * columns + c];
    }
}
