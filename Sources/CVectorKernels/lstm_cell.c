#include "lstm_cell.h"

#include "levels.h"

// One level's cells: `hidden` units LANES at a time (the last vector partly), with exp from Cephes' polynomial after
// reducing x by multiples of ln 2 (inputs clamped to [-87.3, 88.3]), as CPUBackend.vectorExp computes it.
#define DEFINE_CELLS(NAME, TARGET, LANES)                                                                            \
    FOVEA_VECTORS(NAME, TARGET, LANES)                                                                               \
                                                                                                                     \
    TARGET static inline NAME##_vector NAME##_exp(NAME##_vector x) {                                                 \
        const NAME##_vector zero = {0}, magic = zero + 0x1.8p23f;                                                    \
        x = __builtin_elementwise_min(__builtin_elementwise_max(x, zero - 87.3f), zero + 88.3f);                    \
        /* Adding 1.5 * 2^23 rounds x / ln 2 to the nearest integer n and leaves n in the low mantissa bits. */      \
        NAME##_vector shifted = x * 1.44269504088896341f + magic;                                                    \
        NAME##_vector n = shifted - magic;                                                                           \
        NAME##_vector r = x - n * 0.693359375f + n * 2.12194440e-4f;                                                 \
        NAME##_vector p = zero + 1.9875691500e-4f;                                                                   \
        p = p * r + 1.3981999507e-3f;                                                                                \
        p = p * r + 8.3334519073e-3f;                                                                                \
        p = p * r + 4.1665795894e-2f;                                                                                \
        p = p * r + 1.6666665459e-1f;                                                                                \
        p = p * r + 5.0000001201e-1f;                                                                                \
        NAME##_vector y = p * (r * r) + r + 1;                                                                       \
        NAME##_ints exponent = ((NAME##_ints)shifted - (NAME##_ints)magic + 127) << 23;                              \
        return y * (NAME##_vector)exponent;                                                                          \
    }                                                                                                                \
                                                                                                                     \
    TARGET static inline NAME##_vector NAME##_sigmoid(NAME##_vector x) { return 1 / (1 + NAME##_exp(-x)); }          \
                                                                                                                     \
    /* tanh x = 2 sigmoid(2x) - 1. */                                                                                \
    TARGET static inline NAME##_vector NAME##_tanh(NAME##_vector x) { return 2 / (1 + NAME##_exp(-2 * x)) - 1; }     \
                                                                                                                     \
    TARGET static void NAME##_forward(                                                                               \
        int hidden, const float *x, float *gates, const float *bias, const float *c_prev, const float *h_prev,       \
        int valid, float *out, float *next_h, float *next_c) {                                                       \
        for (int j = 0; j < hidden; j += (LANES)) {                                                                  \
            int count = hidden - j < (LANES) ? hidden - j : (LANES);                                                 \
            NAME##_vector pre[4];                                                                                    \
            for (int gate = 0; gate < 4; gate++) {                                                                   \
                int at = gate * hidden + j;                                                                          \
                pre[gate] = NAME##_load_part(x + at, count) + NAME##_load_part(gates + at, count);                   \
                if (bias) pre[gate] += NAME##_load_part(bias + at, count);                                           \
            }                                                                                                        \
            NAME##_vector i = NAME##_sigmoid(pre[0]), f = NAME##_sigmoid(pre[1]);                                    \
            NAME##_vector cell = NAME##_tanh(pre[2]), o = NAME##_sigmoid(pre[3]);                                    \
            NAME##_store_part(gates + j, i, count);                                                                  \
            NAME##_store_part(gates + hidden + j, f, count);                                                         \
            NAME##_store_part(gates + 2 * hidden + j, cell, count);                                                  \
            NAME##_store_part(gates + 3 * hidden + j, o, count);                                                     \
            NAME##_vector c_old = NAME##_load_part(c_prev + j, count);                                               \
            if (valid) {                                                                                             \
                NAME##_vector c = f * c_old + i * cell, h = o * NAME##_tanh(c);                                      \
                NAME##_store_part(next_c + j, c, count);                                                             \
                NAME##_store_part(out + j, h, count);                                                                \
                NAME##_store_part(next_h + j, h, count);                                                             \
            } else {                                                                                                 \
                NAME##_store_part(next_c + j, c_old, count);                                                         \
                NAME##_store_part(out + j, (NAME##_vector){0}, count);                                               \
                NAME##_store_part(next_h + j, NAME##_load_part(h_prev + j, count), count);                           \
            }                                                                                                        \
        }                                                                                                            \
    }                                                                                                                \
                                                                                                                     \
    TARGET static void NAME##_backward(                                                                              \
        int hidden, const float *gates, const float *c_prev, const float *dy, float *dh, float *dc,                  \
        float *d_projected) {                                                                                        \
        for (int j = 0; j < hidden; j += (LANES)) {                                                                  \
            int count = hidden - j < (LANES) ? hidden - j : (LANES);                                                 \
            NAME##_vector i = NAME##_load_part(gates + j, count), f = NAME##_load_part(gates + hidden + j, count);   \
            NAME##_vector cell = NAME##_load_part(gates + 2 * hidden + j, count);                                    \
            NAME##_vector o = NAME##_load_part(gates + 3 * hidden + j, count);                                       \
            NAME##_vector c_old = NAME##_load_part(c_prev + j, count);                                               \
            NAME##_vector tanh_c = NAME##_tanh(f * c_old + i * cell);                                                \
            NAME##_vector d = NAME##_load_part(dh + j, count);                                                       \
            if (dy) d += NAME##_load_part(dy + j, count);                                                            \
            NAME##_vector d_c = NAME##_load_part(dc + j, count) + d * o * (1 - tanh_c * tanh_c);                     \
            NAME##_store_part(d_projected + j, d_c * cell * i * (1 - i), count);                                     \
            NAME##_store_part(d_projected + hidden + j, d_c * c_old * f * (1 - f), count);                           \
            NAME##_store_part(d_projected + 2 * hidden + j, d_c * i * (1 - cell * cell), count);                     \
            NAME##_store_part(d_projected + 3 * hidden + j, d * tanh_c * o * (1 - o), count);                        \
            NAME##_store_part(dc + j, d_c * f, count);                                                               \
            NAME##_store_part(dh + j, (NAME##_vector){0}, count);                                                    \
        }                                                                                                            \
    }

FOVEA_FOR_EACH_LEVEL(DEFINE_CELLS)

void fovea_lstm_cell_forward(
    int level, int hidden, const float *x, float *gates, const float *bias, const float *c_prev, const float *h_prev,
    int valid, float *out, float *next_h, float *next_c) {
    FOVEA_DISPATCH(level, forward, hidden, x, gates, bias, c_prev, h_prev, valid, out, next_h, next_c);
}

void fovea_lstm_cell_backward(
    int level, int hidden, const float *gates, const float *c_prev, const float *dy, float *dh, float *dc,
    float *d_projected) {
    FOVEA_DISPATCH(level, backward, hidden, gates, c_prev, dy, dh, dc, d_projected);
}
