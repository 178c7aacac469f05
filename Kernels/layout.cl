// Strided row copies (concatenation and slicing along any axis). Permutes are strided gathers: `expand` in elementwise.cl.

__kernel void copy_rows(__global const float *src, int src_offset, int src_stride,
                        __global float *dst, int dst_offset, int dst_stride, int rows, int columns) {
    int c = get_global_id(0), r = get_global_id(1);
    if (c < columns && r < rows) dst[dst_offset + r * dst_stride + c] = src[src_offset + r * src_stride + c];
}
