// Reductions along the middle axis of (outer, size, inner): element (o, s, i) at (o * size + s) * inner + i.
// REDUCE_OP matches ReduceOp in Backend/ReductionBackend.swift: 0 sum, 1 mean (a sum scaled by `scale`), 2 max, 3 min.

#ifndef REDUCE_OP
#define REDUCE_OP 0
#endif
#if REDUCE_OP == 2
#define IDENTITY (-INFINITY)
#define COMBINE(a, b) fmax(a, b)
#elif REDUCE_OP == 3
#define IDENTITY INFINITY
#define COMBINE(a, b) fmin(a, b)
#else
#define IDENTITY 0.0f
#define COMBINE(a, b) ((a) + (b))
#endif

// Small sizes: one work item per output loops over the axis (reads are coalesced across i).
__kernel void reduce_rows(__global const float *x, __global float *out, int outer, int size, int inner, float scale) {
    int gid = get_global_id(0);
    if (gid >= outer * inner) return;
    int o = gid / inner, i = gid % inner;
    __global const float *p = x + o * size * inner + i;
    float acc = IDENTITY;
    for (int s = 0; s < size; ++s) acc = COMBINE(acc, p[s * inner]);
    out[gid] = acc * scale;
}

// Int32 sum (wrapping), max or min (op as ReduceOp: 0, 2, 3), one work item per output; exact in any order.
__kernel void reduce_int_rows(int op, __global const int *x, __global int *out, int outer, int size, int inner) {
    int gid = get_global_id(0);
    if (gid >= outer * inner) return;
    __global const int *p = x + (gid / inner) * size * inner + gid % inner;
    int acc = size > 0 ? p[0] : 0;
    for (int s = 1; s < size; ++s) {
        int v = p[s * inner];
        acc = op == 2 ? max(acc, v) : op == 3 ? min(acc, v) : (int)((uint)acc + (uint)v);
    }
    out[gid] = acc;
}

// Large sizes: one work group per (o, chunk, i) combines `chunk_len` elements of the axis with a tree in local memory.
// Results go to out[(o * chunks + c) * inner + i], so a partial pass is itself reduced as (outer, chunks, inner).
// The local size must be a power of two.
__kernel void reduce_groups(__global const float *x, __global float *out, int outer, int size, int inner,
                            int chunks, int chunk_len, float scale, __local float *scratch) {
    int group = get_group_id(0), t = get_local_id(0), local_size = get_local_size(0);
    int i = group % inner, c = (group / inner) % chunks, o = group / (inner * chunks);
    __global const float *p = x + o * size * inner + i;
    int end = min(size, (c + 1) * chunk_len);
    float acc = IDENTITY;
    for (int s = c * chunk_len + t; s < end; s += local_size) acc = COMBINE(acc, p[s * inner]);
    scratch[t] = acc;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int span = local_size / 2; span > 0; span >>= 1) {
        if (t < span) scratch[t] = COMBINE(scratch[t], scratch[t + span]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (t == 0) out[group] = scratch[0] * scale;
}

// Index of the first largest element, one work item per output.
__kernel void argmax_rows(__global const float *x, __global int *out, int outer, int size, int inner) {
    int gid = get_global_id(0);
    if (gid >= outer * inner) return;
    __global const float *p = x + (gid / inner) * size * inner + gid % inner;
    int best = 0;
    for (int s = 1; s < size; ++s) if (p[s * inner] > p[best * inner]) best = s;
    out[gid] = best;
}

// Index of the first largest element, one work group per output (power-of-two local size).
__kernel void argmax_groups(__global const float *x, __global int *out, int outer, int size, int inner,
                            __local float *values, __local int *indices) {
    int group = get_group_id(0), t = get_local_id(0), local_size = get_local_size(0);
    __global const float *p = x + (group / inner) * size * inner + group % inner;
    float best = -INFINITY;
    int best_index = size;
    for (int s = t; s < size; s += local_size) {
        float v = p[s * inner];
        if (v > best || best_index == size) { best = v; best_index = s; }
    }
    values[t] = best;
    indices[t] = best_index;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int span = local_size / 2; span > 0; span >>= 1) {
        if (t < span) {
            float v = values[t + span];
            int k = indices[t + span];
            if (k < size && (indices[t] == size || v > values[t] || (v == values[t] && k < indices[t]))) {
                values[t] = v;
                indices[t] = k;
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (t == 0) out[group] = indices[0];
}
