// Elementwise ops. Op codes match UnaryOp / BinaryOp in Backend/ElementwiseBackend.swift, and the host names each op's
// kernels after its enum name here (U_LEAKY_RELU for leakyRelu); the strided kernels switch on an op argument.

#include "chunk.cl"

enum { U_NEG, U_ABS, U_EXP, U_LOG, U_SQRT, U_SQUARE, U_RELU, U_LEAKY_RELU, U_ELU, U_SIGMOID, U_TANH, U_GELU,
       U_CLAMP, U_POW, U_AFFINE, U_DIVIDE, U_RECIPROCAL, U_EQ, U_NE, U_LT, U_LE, U_GT, U_GE };
enum { B_ADD, B_SUB, B_MUL, B_DIV, B_POW, B_MAXIMUM, B_MINIMUM, B_EQ, B_NE, B_LT, B_LE, B_GT, B_GE };

#ifndef M_SQRT1_2_F  // some drivers (PoCL) predefine it
#define M_SQRT1_2_F 0.70710678118654752f
#endif
#define M_1_SQRT_2PI_F 0.39894228040143268f

inline float sigmoid_stable(float x) {
    if (x >= 0.0f) return 1.0f / (1.0f + exp(-x));
    float e = exp(x);
    return e / (1.0f + e);
}

inline float unary_apply(int op, float x, float alpha, float beta) {
    switch (op) {
    case U_NEG: return -x;
    case U_ABS: return fabs(x);
    case U_EXP: return exp(x);
    case U_LOG: return log(x);
    case U_SQRT: return sqrt(x);
    case U_SQUARE: return x * x;
    case U_RELU: return x < 0.0f ? 0.0f : x;  // NaN stays NaN, as in PyTorch
    case U_LEAKY_RELU: return x > 0.0f ? x : alpha * x;
    case U_ELU: return x > 0.0f ? x : alpha * expm1(x);
    case U_SIGMOID: return sigmoid_stable(x);
    case U_TANH: return tanh(x);
    case U_GELU: return 0.5f * x * (1.0f + erf(x * M_SQRT1_2_F));
    case U_CLAMP: return fmin(fmax(x, alpha), beta);
    case U_POW: return pow(x, alpha);
    case U_AFFINE: return alpha * x + beta;
    case U_DIVIDE: return x / alpha;
    case U_RECIPROCAL: return alpha / x;
    case U_EQ: return x == alpha ? 1.0f : 0.0f;
    case U_NE: return x != alpha ? 1.0f : 0.0f;
    case U_LT: return x < alpha ? 1.0f : 0.0f;
    case U_LE: return x <= alpha ? 1.0f : 0.0f;
    case U_GT: return x > alpha ? 1.0f : 0.0f;
    case U_GE: return x >= alpha ? 1.0f : 0.0f;
    }
    return 0.0f;
}

// Gradient of the input from x, the forward output y and the output gradient g.
inline float unary_gradient(int op, float x, float y, float g, float alpha, float beta) {
    switch (op) {
    case U_NEG: return -g;
    case U_ABS: return x > 0.0f ? g : (x < 0.0f ? -g : 0.0f);
    case U_EXP: return g * y;
    case U_LOG: return g / x;
    case U_SQRT: return g / (2.0f * y);
    case U_SQUARE: return 2.0f * x * g;
    case U_RELU: return x > 0.0f ? g : 0.0f;
    case U_LEAKY_RELU: return x > 0.0f ? g : alpha * g;
    case U_ELU: return x > 0.0f ? g : g * (y + alpha);
    case U_SIGMOID: return g * y * (1.0f - y);
    case U_TANH: return g * (1.0f - y * y);
    case U_GELU: {
        float cdf = 0.5f * (1.0f + erf(x * M_SQRT1_2_F));
        float pdf = exp(-0.5f * x * x) * M_1_SQRT_2PI_F;
        return g * (cdf + x * pdf);
    }
    case U_CLAMP: return (x >= alpha && x <= beta) ? g : 0.0f;
    case U_POW: return alpha == 0.0f ? 0.0f : g * alpha * pow(x, alpha - 1.0f);
    case U_AFFINE: return alpha * g;
    case U_DIVIDE: return g / alpha;
    case U_RECIPROCAL: return -g * y / x;
    }
    return 0.0f;
}

inline float binary_apply(int op, float a, float b) {
    switch (op) {
    case B_ADD: return a + b;
    case B_SUB: return a - b;
    case B_MUL: return a * b;
    case B_DIV: return a / b;
    case B_POW: return pow(a, b);
    case B_MAXIMUM: return (a > b || isnan(a)) ? a : b;
    case B_MINIMUM: return (a < b || isnan(a)) ? a : b;
    case B_EQ: return a == b ? 1.0f : 0.0f;
    case B_NE: return a != b ? 1.0f : 0.0f;
    case B_LT: return a < b ? 1.0f : 0.0f;
    case B_LE: return a <= b ? 1.0f : 0.0f;
    case B_GT: return a > b ? 1.0f : 0.0f;
    case B_GE: return a >= b ? 1.0f : 0.0f;
    }
    return 0.0f;
}

// The contiguous kernels below give each work item `chunk` consecutive elements (chunk.cl).
// There is one kernel per op (unary_U_RELU, binary_contiguous_B_ADD, ...), not a switch on an argument: PoCL compiles
// a kernel the first time it runs, and a switch over every op took it 0.4-1 s per kernel, where one op takes 0.05-0.1.
#define EACH_UNARY(CASE) CASE(U_NEG) CASE(U_ABS) CASE(U_EXP) CASE(U_LOG) CASE(U_SQRT) CASE(U_SQUARE) CASE(U_RELU) \
    CASE(U_LEAKY_RELU) CASE(U_ELU) CASE(U_SIGMOID) CASE(U_TANH) CASE(U_GELU) CASE(U_CLAMP) CASE(U_POW) CASE(U_AFFINE) \
    CASE(U_DIVIDE) CASE(U_RECIPROCAL)
#define EACH_COMPARISON(CASE) CASE(U_EQ) CASE(U_NE) CASE(U_LT) CASE(U_LE) CASE(U_GT) CASE(U_GE)
#define EACH_BINARY(CASE) CASE(B_ADD) CASE(B_SUB) CASE(B_MUL) CASE(B_DIV) CASE(B_POW) CASE(B_MAXIMUM) CASE(B_MINIMUM) \
    CASE(B_EQ) CASE(B_NE) CASE(B_LT) CASE(B_LE) CASE(B_GT) CASE(B_GE)
// The build with -DCOMMON_OPS_ONLY, in the step bundle, has the kernels of the ops most training steps run and no
// others (the host's `inCommonBuild`); every other op's come from the build without it. PoCL parses every kernel of a
// program, and all of them cost a cold start 0.2-0.3 s more than these.
#define COMMON_UNARY(CASE) CASE(U_RELU)
#define COMMON_BINARY(CASE) CASE(B_ADD) CASE(B_SUB) CASE(B_MUL) CASE(B_DIV)
#ifdef COMMON_OPS_ONLY
#undef EACH_UNARY
#undef EACH_COMPARISON
#undef EACH_BINARY
#define EACH_UNARY(CASE) COMMON_UNARY(CASE)
#define EACH_COMPARISON(CASE)
#define EACH_BINARY(CASE) COMMON_BINARY(CASE)
#endif

#define UNARY_KERNEL(K) \
__kernel void unary_##K(__global const float *x, int x_offset, __global float *out, int n, float alpha, float beta, \
                        int chunk) { \
    x += x_offset; \
    FOR_CHUNK out[i] = unary_apply(K, x[i], alpha, beta); \
}
EACH_UNARY(UNARY_KERNEL)
EACH_COMPARISON(UNARY_KERNEL)

#define GRADIENT_KERNEL(K) \
__kernel void unary_backward_##K(__global const float *x, __global const float *y, __global const float *g, \
                                 __global float *grad_in, int n, float alpha, float beta, int chunk) { \
    FOR_CHUNK grad_in[i] = unary_gradient(K, x[i], y[i], g[i], alpha, beta); \
}
EACH_UNARY(GRADIENT_KERNEL)

// Same-shaped contiguous operands, each from its offset.
#define CONTIGUOUS_KERNEL(K) \
__kernel void binary_contiguous_##K(__global const float *a, int a_offset, __global const float *b, int b_offset, \
                                    __global float *out, int n, int chunk) { \
    a += a_offset; \
    b += b_offset; \
    FOR_CHUNK out[i] = binary_apply(K, a[i], b[i]); \
}
EACH_BINARY(CONTIGUOUS_KERNEL)

// One operand is a single value (read on the device: no host round-trip); `scalar_is_a` says which.
#define SCALAR_KERNEL(K) \
__kernel void binary_scalar_##K(__global const float *a, int a_offset, __global const float *b, int b_offset, \
                                __global float *out, int n, int scalar_is_a, int chunk) { \
    a += a_offset; \
    b += b_offset; \
    float scalar = scalar_is_a ? a[0] : b[0]; \
    __global const float *other = scalar_is_a ? b : a; \
    if (scalar_is_a) { FOR_CHUNK out[i] = binary_apply(K, scalar, other[i]); } \
    else { FOR_CHUNK out[i] = binary_apply(K, other[i], scalar); } \
}
EACH_BINARY(SCALAR_KERNEL)

// The offset of flat output index i in an operand read through `strides` over `dims` (the last `rank` of 8 axes).
inline int strided_offset(int i, int rank, const int *dims, const int *strides) {
    int offset = 0;
    for (int axis = 7; axis >= 8 - rank; --axis) {
        offset += (i % dims[axis]) * strides[axis];
        i /= dims[axis];
    }
    return offset;
}

// Both operands' offsets from one walk over the axes.
inline int2 strided_offsets(int i, int rank, const int *dims, const int *sa, const int *sb) {
    int2 offsets = (int2)(0, 0);
    for (int axis = 7; axis >= 8 - rank; --axis) {
        int index = i % dims[axis];
        i /= dims[axis];
        offsets += (int2)(index * sa[axis], index * sb[axis]);
    }
    return offsets;
}

#define STRIDED_ARGUMENTS int n, int rank, \
    int d0, int d1, int d2, int d3, int d4, int d5, int d6, int d7, \
    int a0, int a1, int a2, int a3, int a4, int a5, int a6, int a7, \
    int b0, int b1, int b2, int b3, int b4, int b5, int b6, int b7
#define STRIDED_OFFSETS \
    int i = get_global_id(0); \
    if (i >= n) return; \
    int dims[8] = {d0, d1, d2, d3, d4, d5, d6, d7}; \
    int sa[8] = {a0, a1, a2, a3, a4, a5, a6, a7}; \
    int sb[8] = {b0, b1, b2, b3, b4, b5, b6, b7}; \
    int2 offsets = strided_offsets(i, rank, dims, sa, sb); \
    int offset_a = offsets.x, offset_b = offsets.y;

// General broadcasting: operands read through strides (0 on broadcast axes). Dims and strides are padded in front
// to 8 axes; only the last `rank` are walked.
__kernel void binary_strided(int op, __global const float *a, int base_a, __global const float *b, int base_b,
                             __global float *out, STRIDED_ARGUMENTS) {
    STRIDED_OFFSETS
    out[i] = binary_apply(op, a[base_a + offset_a], b[base_b + offset_b]);
}

// Int32 operands: add, sub, mul, maximum, minimum and comparisons (1 or 0); other ops are refused on the host.
inline int binary_apply_int(int op, int a, int b) {
    switch (op) {
    case B_ADD: return a + b;
    case B_SUB: return a - b;
    case B_MUL: return a * b;
    case B_MAXIMUM: return max(a, b);
    case B_MINIMUM: return min(a, b);
    case B_EQ: return a == b;
    case B_NE: return a != b;
    case B_LT: return a < b;
    case B_LE: return a <= b;
    case B_GT: return a > b;
    case B_GE: return a >= b;
    }
    return 0;
}

__kernel void binary_strided_int(int op, __global const int *a, int base_a, __global const int *b, int base_b,
                                 __global int *out, STRIDED_ARGUMENTS) {
    STRIDED_OFFSETS
    out[i] = binary_apply_int(op, a[base_a + offset_a], b[base_b + offset_b]);
}

// Float32 to Int32 rounding toward zero, saturating (NaN gives 0), as PyTorch's .to(torch.int32) on finite values.
__kernel void convert_float_int(__global const float *x, __global int *out, int n) {
    int i = get_global_id(0);
    if (i < n) out[i] = convert_int_sat_rtz(x[i]);
}

__kernel void convert_int_float(__global const int *x, __global float *out, int n) {
    int i = get_global_id(0);
    if (i < n) out[i] = (float)x[i];
}

#define LAYOUT_ARGUMENTS int n, int rank, \
    int d0, int d1, int d2, int d3, int d4, int d5, int d6, int d7, \
    int s0, int s1, int s2, int s3, int s4, int s5, int s6, int s7
#define LAYOUT_OFFSET \
    int i = get_global_id(0); \
    if (i >= n) return; \
    int dims[8] = {d0, d1, d2, d3, d4, d5, d6, d7}; \
    int strides[8] = {s0, s1, s2, s3, s4, s5, s6, s7}; \
    int position = offset + strided_offset(i, rank, dims, strides);

// out = x read from `offset` through strides (broadcasts, permutes, subscripts). Moves 32-bit words, so it serves
// every 4-byte dtype.
__kernel void expand(__global const uint *x, int offset, __global uint *out, LAYOUT_ARGUMENTS) {
    LAYOUT_OFFSET
    out[i] = x[position];
}

// The reverse: out[offset + strided position of i] += x[i] (a subscript's backward), or = x[i] (assignment, any 4-byte
// dtype). Strides must not map two elements to one place.
__kernel void add_strided(__global const float *x, __global float *out, int offset, LAYOUT_ARGUMENTS) {
    LAYOUT_OFFSET
    out[position] += x[i];
}

__kernel void write_strided(__global const uint *x, __global uint *out, int offset, LAYOUT_ARGUMENTS) {
    LAYOUT_OFFSET
    out[position] = x[i];
}
