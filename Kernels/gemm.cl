// GEMM for the small matrices CLBlast handles slowly on CPU devices (PoCL), where each work item owns a tile of C and
// runs its inner products as floatPX vectors (PoCL does not vectorize across work items of loop-heavy kernels).
// Row-major, batched (global dimension 2): C = activation(alpha * op(A) * op(B) + beta * C (+ bias[column] with
// has_bias)), op(A) m x k, op(B) k x n.
// Three kernels (one program, so a cold start parses the file once and compiles only the kernels it runs), -DPX the
// vector width:
//   gemm_small_rows (B not transposed; A read through strides, so that NN and TN share one compile, 0.2-0.3 s of a cold
//   start on PoCL) and gemm_small_tt: an item computes 8 rows x PX columns, vectors along n.
//   gemm_small_nt computes 2 x 4 dot products per item, vectors along k (A and B rows are contiguous). 4 x 4 was
//   within 0.1 ms of it on Dense-sized products (faster on one of five, slower on four) and took PoCL 0.28 s to
//   compile at a cold start, 2 x 4 0.20.
// The tile loops are unrolled so that the accumulators stay in vector registers.

#ifndef PX
#define PX 16
#endif

#include "activation.cl"
#define TM 8
#define TM_DOT 2
#define TN_DOT 4

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
typedef CAT(float, PX) floatP;
#define VLOADP(p) CAT(vload, PX)(0, p)
#define VSTOREP(v, p) CAT(vstore, PX)(v, 0, p)

#define A_AT(r, kk) a[(size_t)(r) * a_row + (size_t)(kk) * a_col]
#define B_AT(kk, c) (trans_b ? b[(size_t)(c) * ldb + (kk)] : b[(size_t)(kk) * ldb + (c)])

#define GEMM_ARGUMENTS int m, int n, int k, float alpha, float beta, \
                       __global const float *a, int offset_a, int lda, int stride_a, \
                       __global const float *b, int offset_b, int ldb, int stride_b, \
                       __global float *c, int offset_c, int ldc, int stride_c, \
                       __global const float *bias, int has_bias, int activation
#define GEMM_PASS m, n, k, alpha, beta, a, offset_a, lda, stride_a, b, offset_b, ldb, stride_b, c, offset_c, ldc, stride_c, \
                  bias, has_bias, activation

inline float sum_lanes(floatP v) {
    float lanes[PX];
    VSTOREP(v, lanes);
    float sum = 0.0f;
    #pragma unroll
    for (int p = 0; p < PX; ++p) sum += lanes[p];
    return sum;
}

// C's element at `index`, in column `column`: alpha * value + beta * C (C not read when beta is 0), plus bias[column]
// when has_bias, through the activation (ACT_* of activation.cl): the fully connected layer's bias and activation,
// applied here instead of in launches of their own.
inline void store_c(__global float *c, size_t index, int column, float value, float alpha, float beta,
                    __global const float *bias, int has_bias, int activation) {
    float v = alpha * value + (beta == 0.0f ? 0.0f : beta * c[index]) + (has_bias ? bias[column] : 0.0f);
    c[index] = ACTIVATE(activation, v);
}

// A times B transposed: global [ceil(n / TN_DOT), ceil(m / TM_DOT), batch].
__kernel void gemm_small_nt(GEMM_ARGUMENTS) {
    int col0 = get_global_id(0) * TN_DOT, row0 = get_global_id(1) * TM_DOT, batch = get_global_id(2);
    if (col0 >= n || row0 >= m) return;
    a += offset_a + (size_t)batch * stride_a;
    b += offset_b + (size_t)batch * stride_b;
    c += offset_c + (size_t)batch * stride_c;
    // Clamped rows and columns read valid memory; their results are not stored.
    __global const float *ar[TM_DOT], *br[TN_DOT];
    #pragma unroll
    for (int r = 0; r < TM_DOT; ++r) ar[r] = a + (size_t)min(row0 + r, m - 1) * lda;
    #pragma unroll
    for (int q = 0; q < TN_DOT; ++q) br[q] = b + (size_t)min(col0 + q, n - 1) * ldb;
    floatP acc[TM_DOT][TN_DOT];
    #pragma unroll
    for (int r = 0; r < TM_DOT; ++r)
        #pragma unroll
        for (int q = 0; q < TN_DOT; ++q) acc[r][q] = 0.0f;
    int kk = 0;
    for (; kk + PX <= k; kk += PX) {
        floatP bv[TN_DOT];
        #pragma unroll
        for (int q = 0; q < TN_DOT; ++q) bv[q] = VLOADP(br[q] + kk);
        #pragma unroll
        for (int r = 0; r < TM_DOT; ++r) {
            floatP av = VLOADP(ar[r] + kk);
            #pragma unroll
            for (int q = 0; q < TN_DOT; ++q) acc[r][q] += av * bv[q];
        }
    }
    float tail[TM_DOT][TN_DOT];
    #pragma unroll
    for (int r = 0; r < TM_DOT; ++r)
        #pragma unroll
        for (int q = 0; q < TN_DOT; ++q) tail[r][q] = sum_lanes(acc[r][q]);
    for (; kk < k; ++kk)
        #pragma unroll
        for (int r = 0; r < TM_DOT; ++r)
            #pragma unroll
            for (int q = 0; q < TN_DOT; ++q) tail[r][q] += ar[r][kk] * br[q][kk];
    for (int r = 0; r < TM_DOT && row0 + r < m; ++r)
        for (int q = 0; q < TN_DOT && col0 + q < n; ++q)
            store_c(c, (size_t)(row0 + r) * ldc + col0 + q, col0 + q, tail[r][q], alpha, beta, bias, has_bias, activation);
}

// Op(A)'s element (r, kk) at a[r * a_row + kk * a_col] (a_row = lda, a_col = 1 for A, the reverse for A transposed);
// trans_b a constant in each kernel below. Global [ceil(n / PX), ceil(m / TM), batch].
inline void gemm_rows(GEMM_ARGUMENTS, int a_row, int a_col, const int trans_b) {
    int col0 = get_global_id(0) * PX, row0 = get_global_id(1) * TM, batch = get_global_id(2);
    if (col0 >= n || row0 >= m) return;
    a += offset_a + (size_t)batch * stride_a;
    b += offset_b + (size_t)batch * stride_b;
    c += offset_c + (size_t)batch * stride_c;
    bool full = col0 + PX <= n;
    floatP acc[TM];
    #pragma unroll
    for (int r = 0; r < TM; ++r) acc[r] = 0.0f;
    for (int kk = 0; kk < k; ++kk) {
        floatP bv;
        if (trans_b) {
            float lanes[PX];
            #pragma unroll
            for (int p = 0; p < PX; ++p) lanes[p] = B_AT(kk, min(col0 + p, n - 1));
            bv = VLOADP(lanes);
        } else if (full) {
            bv = VLOADP(b + (size_t)kk * ldb + col0);
        } else {
            float lanes[PX];
            #pragma unroll
            for (int p = 0; p < PX; ++p) lanes[p] = col0 + p < n ? B_AT(kk, col0 + p) : 0.0f;
            bv = VLOADP(lanes);
        }
        #pragma unroll
        for (int r = 0; r < TM; ++r) acc[r] += A_AT(min(row0 + r, m - 1), kk) * bv;
    }
    for (int r = 0; r < TM && row0 + r < m; ++r) {
        float lanes[PX];
        VSTOREP(acc[r], lanes);
        for (int p = 0; p < PX && col0 + p < n; ++p)
            store_c(c, (size_t)(row0 + r) * ldc + col0 + p, col0 + p, lanes[p], alpha, beta, bias, has_bias, activation);
    }
}

__kernel void gemm_small_rows(GEMM_ARGUMENTS, int a_row, int a_col) { gemm_rows(GEMM_PASS, a_row, a_col, 0); }
__kernel void gemm_small_tt(GEMM_ARGUMENTS) { gemm_rows(GEMM_PASS, 1, lda, 1); }
