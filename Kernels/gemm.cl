// GEMM for the small matrices CLBlast handles slowly on CPU devices (PoCL), where each work item owns a tile of C and
// runs its inner products as floatPX vectors (PoCL does not vectorize across work items of loop-heavy kernels).
// Row-major, batched (global dimension 2): C = alpha * op(A) * op(B) + beta * C, op(A) m x k, op(B) k x n.
// -DTRANS_A / -DTRANS_B (0 or 1), -DPX the vector width, -DTM rows per item.
//   Without TRANS_B an item computes TM rows x PX columns, vectors along n (B rows are contiguous).
//   With TRANS_B (and not TRANS_A) an item computes TM x TN dot products, vectors along k (A and B rows are contiguous).

#ifndef PX
#define PX 16
#endif
#ifndef TM
#define TM 4
#endif
#ifndef TN
#define TN 4
#endif
#ifndef TRANS_A
#define TRANS_A 0
#endif
#ifndef TRANS_B
#define TRANS_B 0
#endif

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
typedef CAT(float, PX) floatP;
#define VLOADP(p) CAT(vload, PX)(0, p)
#define VSTOREP(v, p) CAT(vstore, PX)(v, 0, p)

#if TRANS_A
#define A_AT(r, kk) a[(size_t)(kk) * lda + (r)]
#else
#define A_AT(r, kk) a[(size_t)(r) * lda + (kk)]
#endif
#if TRANS_B
#define B_AT(kk, c) b[(size_t)(c) * ldb + (kk)]
#else
#define B_AT(kk, c) b[(size_t)(kk) * ldb + (c)]
#endif

inline float sum_lanes(floatP v) {
    float lanes[PX];
    VSTOREP(v, lanes);
    float sum = 0.0f;
    for (int p = 0; p < PX; ++p) sum += lanes[p];
    return sum;
}

inline void store_c(__global float *c, size_t index, float value, float alpha, float beta) {
    c[index] = alpha * value + (beta == 0.0f ? 0.0f : beta * c[index]);
}

#if TRANS_B && !TRANS_A
// Global [ceil(n / TN), ceil(m / TM), batch].
__kernel void gemm_small(int m, int n, int k, float alpha, float beta,
                         __global const float *a, int offset_a, int lda, int stride_a,
                         __global const float *b, int offset_b, int ldb, int stride_b,
                         __global float *c, int offset_c, int ldc, int stride_c) {
    int col0 = get_global_id(0) * TN, row0 = get_global_id(1) * TM, batch = get_global_id(2);
    if (col0 >= n || row0 >= m) return;
    a += offset_a + (size_t)batch * stride_a;
    b += offset_b + (size_t)batch * stride_b;
    c += offset_c + (size_t)batch * stride_c;
    // Clamped rows and columns read valid memory; their results are not stored.
    __global const float *ar[TM], *br[TN];
    for (int r = 0; r < TM; ++r) ar[r] = a + (size_t)min(row0 + r, m - 1) * lda;
    for (int q = 0; q < TN; ++q) br[q] = b + (size_t)min(col0 + q, n - 1) * ldb;
    floatP acc[TM][TN];
    for (int r = 0; r < TM; ++r) for (int q = 0; q < TN; ++q) acc[r][q] = 0.0f;
    int kk = 0;
    for (; kk + PX <= k; kk += PX) {
        floatP bv[TN];
        for (int q = 0; q < TN; ++q) bv[q] = VLOADP(br[q] + kk);
        for (int r = 0; r < TM; ++r) {
            floatP av = VLOADP(ar[r] + kk);
            for (int q = 0; q < TN; ++q) acc[r][q] += av * bv[q];
        }
    }
    float tail[TM][TN];
    for (int r = 0; r < TM; ++r) for (int q = 0; q < TN; ++q) tail[r][q] = sum_lanes(acc[r][q]);
    for (; kk < k; ++kk)
        for (int r = 0; r < TM; ++r) for (int q = 0; q < TN; ++q) tail[r][q] += ar[r][kk] * br[q][kk];
    for (int r = 0; r < TM && row0 + r < m; ++r)
        for (int q = 0; q < TN && col0 + q < n; ++q) store_c(c, (size_t)(row0 + r) * ldc + col0 + q, tail[r][q], alpha, beta);
}
#else
// Global [ceil(n / PX), ceil(m / TM), batch].
__kernel void gemm_small(int m, int n, int k, float alpha, float beta,
                         __global const float *a, int offset_a, int lda, int stride_a,
                         __global const float *b, int offset_b, int ldb, int stride_b,
                         __global float *c, int offset_c, int ldc, int stride_c) {
    int col0 = get_global_id(0) * PX, row0 = get_global_id(1) * TM, batch = get_global_id(2);
    if (col0 >= n || row0 >= m) return;
    a += offset_a + (size_t)batch * stride_a;
    b += offset_b + (size_t)batch * stride_b;
    c += offset_c + (size_t)batch * stride_c;
    bool full = col0 + PX <= n;
    floatP acc[TM];
    for (int r = 0; r < TM; ++r) acc[r] = 0.0f;
    for (int kk = 0; kk < k; ++kk) {
        floatP bv;
#if TRANS_B
        float lanes[PX];
        for (int p = 0; p < PX; ++p) lanes[p] = B_AT(kk, min(col0 + p, n - 1));
        bv = VLOADP(lanes);
#else
        if (full) {
            bv = VLOADP(b + (size_t)kk * ldb + col0);
        } else {
            float lanes[PX];
            for (int p = 0; p < PX; ++p) lanes[p] = col0 + p < n ? B_AT(kk, col0 + p) : 0.0f;
            bv = VLOADP(lanes);
        }
#endif
        for (int r = 0; r < TM; ++r) acc[r] += A_AT(min(row0 + r, m - 1), kk) * bv;
    }
    for (int r = 0; r < TM && row0 + r < m; ++r) {
        float lanes[PX];
        VSTOREP(acc[r], lanes);
        for (int p = 0; p < PX && col0 + p < n; ++p) store_c(c, (size_t)(row0 + r) * ldc + col0 + p, lanes[p], alpha, beta);
    }
}
#endif
