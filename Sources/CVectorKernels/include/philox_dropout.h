// Inverted dropout with a Philox4x32-10 mask, at a SIMD level.
#ifndef FOVEA_PHILOX_DROPOUT_H
#define FOVEA_PHILOX_DROPOUT_H

#include "simd_level.h"

/// out[e] = x[e] * scale where value e of the stream is kept, else 0, for e < count. Value e is lane e % 4 of Philox
/// block `first_block + e / 4` under the key (key_low, key_high) (Fovea's `Philox.block`), and is kept when its top 24
/// bits are at least `threshold` (ceil(p * 2^24): the same test as uniform(value) >= p).
void fovea_philox_dropout(
    int level, long count, unsigned long long first_block, unsigned key_low, unsigned key_high, unsigned threshold,
    float scale, const float *x, float *out);

#endif
