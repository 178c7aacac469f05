#include "philox_dropout.h"

#include "levels.h"

// One level's dropout, LANES Philox blocks (4 * LANES values) at a time: the ten rounds run on vectors of LANES
// counters, with the 32 x 32 -> 64-bit products in vectors of 64-bit lanes; the kept/dropped choice then walks the
// block's values in stream order.
#define DEFINE_DROPOUT(NAME, TARGET, LANES)                                                                          \
    typedef unsigned NAME##_words __attribute__((vector_size(4 * (LANES))));                                         \
    typedef unsigned long long NAME##_wide __attribute__((vector_size(8 * (LANES))));                                \
                                                                                                                     \
    TARGET static void NAME##_dropout(                                                                               \
        long count, unsigned long long first_block, unsigned key_low, unsigned key_high, unsigned threshold, float scale,  \
        const float *x, float *out) {                                                                                \
        NAME##_words lane;                                                                                           \
        for (int k = 0; k < (LANES); k++) lane[k] = (unsigned)k;                                                     \
        for (long start = 0; start < count; start += 4 * (LANES)) {                                                  \
            unsigned long long block = first_block + (unsigned long long)(start / 4);                                          \
            NAME##_wide position = (NAME##_wide)(__builtin_convertvector(lane, NAME##_wide) + block);                \
            NAME##_words c0 = __builtin_convertvector(position, NAME##_words);                                       \
            NAME##_words c1 = __builtin_convertvector(position >> 32, NAME##_words);                                 \
            NAME##_words c2 = c0 - c0, c3 = c0 - c0;                                                                 \
            unsigned k0 = key_low, k1 = key_high;                                                                    \
            for (int round = 0; round < 10; round++) {                                                               \
                NAME##_wide p0 = __builtin_convertvector(c0, NAME##_wide) * 0xD2511F53ull;                           \
                NAME##_wide p1 = __builtin_convertvector(c2, NAME##_wide) * 0xCD9E8D57ull;                           \
                NAME##_words hi1 = __builtin_convertvector(p1 >> 32, NAME##_words);                                  \
                NAME##_words hi0 = __builtin_convertvector(p0 >> 32, NAME##_words);                                  \
                NAME##_words n0 = hi1 ^ c1 ^ k0, n1 = __builtin_convertvector(p1, NAME##_words);                     \
                NAME##_words n2 = hi0 ^ c3 ^ k1, n3 = __builtin_convertvector(p0, NAME##_words);                     \
                c0 = n0; c1 = n1; c2 = n2; c3 = n3;                                                                  \
                k0 += 0x9E3779B9u;                                                                                   \
                k1 += 0xBB67AE85u;                                                                                   \
            }                                                                                                        \
            unsigned bits[4][LANES];                                                                                 \
            memcpy(bits[0], &c0, sizeof c0);                                                                         \
            memcpy(bits[1], &c1, sizeof c1);                                                                         \
            memcpy(bits[2], &c2, sizeof c2);                                                                         \
            memcpy(bits[3], &c3, sizeof c3);                                                                         \
            long n = count - start < 4 * (LANES) ? count - start : 4 * (LANES);                                      \
            for (long j = 0; j < n; j++) {                                                                           \
                unsigned value = bits[j & 3][j >> 2];                                                                \
                out[start + j] = (value >> 8) >= threshold ? x[start + j] * scale : 0.0f;                            \
            }                                                                                                        \
        }                                                                                                            \
    }

FOVEA_FOR_EACH_LEVEL(DEFINE_DROPOUT)

void fovea_philox_dropout(
    int level, long count, unsigned long long first_block, unsigned key_low, unsigned key_high, unsigned threshold,
    float scale, const float *x, float *out) {
    FOVEA_DISPATCH(level, dropout, count, first_block, key_low, key_high, threshold, scale, x, out);
}
