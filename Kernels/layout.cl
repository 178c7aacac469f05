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

// dst[plane, r, e] = src[plane, (r - top) / SY, (e - left) / SX] where both divisions are exact and land inside src, else
// zero: planes of HP x WP from planes of H x W, shifted down by top and right by left (negative values crop), with SY - 1
// zero rows (SX - 1 zero columns) inserted between source rows (columns) when SY (SX) > 1, which turns a strided
// convolution's output gradient into a stride-1 one. One work item per padded row: global [HP, planes].
__kernel void pad2d(__global const float *src, __global float *dst, int planes, int H, int W, int HP, int WP, int top, int left,
                    int SY, int SX) {
    int r = get_global_id(0), plane = get_global_id(1);
    if (r >= HP || plane >= planes) return;
    __global float *out = dst + ((size_t)plane * HP + r) * WP;
    int h = r - top;
    bool row = h >= 0 && h % SY == 0 && h / SY < H;
    __global const float *in = src + ((size_t)plane * H + (row ? h / SY : 0)) * W;
    if (SX == 1) {
        in -= left;
        for (int e = 0; e < WP; ++e) out[e] = row && e - left >= 0 && e - left < W ? in[e] : 0.0f;
    } else {
        for (int e = 0; e < WP; ++e) {
            int v = e - left;
            out[e] = row && v >= 0 && v % SX == 0 && v / SX < W ? in[v / SX] : 0.0f;
        }
    }
}
