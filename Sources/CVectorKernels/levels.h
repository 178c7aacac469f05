// What every kernel file of CVectorKernels shares: one vector type and its loads and stores per SIMD level, the
// levels' target attributes, and the level a call may use.
#ifndef FOVEA_LEVELS_H
#define FOVEA_LEVELS_H

#include <string.h>

#include "simd_level.h"

#define FOVEA_PORTABLE_TARGET
#define FOVEA_AVX2_TARGET __attribute__((target("avx2,fma")))
#define FOVEA_AVX512_TARGET __attribute__((target("avx512f,avx2,fma")))

/// `level`, lowered to what the CPU supports (and raised to the portable level).
int fovea_usable_level(int level);

// Expands DEFINE(NAME, TARGET, LANES) for each level this architecture has: portable (4 lanes), and on x86-64 avx2
// (8) and avx512 (16).
#if defined(__x86_64__)
#define FOVEA_FOR_EACH_LEVEL(DEFINE)                                                                                 \
    DEFINE(portable, FOVEA_PORTABLE_TARGET, 4)                                                                       \
    DEFINE(avx2, FOVEA_AVX2_TARGET, 8)                                                                               \
    DEFINE(avx512, FOVEA_AVX512_TARGET, 16)
#else
#define FOVEA_FOR_EACH_LEVEL(DEFINE) DEFINE(portable, FOVEA_PORTABLE_TARGET, 4)
#endif

// Calls avx512_FUNCTION, avx2_FUNCTION or portable_FUNCTION with the arguments, as `level` allows.
#if defined(__x86_64__)
#define FOVEA_DISPATCH(level, FUNCTION, ...)                                                                         \
    switch (fovea_usable_level(level)) {                                                                             \
    case FOVEA_SIMD_AVX512: avx512_##FUNCTION(__VA_ARGS__); break;                                                   \
    case FOVEA_SIMD_AVX2: avx2_##FUNCTION(__VA_ARGS__); break;                                                       \
    default: portable_##FUNCTION(__VA_ARGS__); break;                                                                \
    }
#else
#define FOVEA_DISPATCH(level, FUNCTION, ...) portable_##FUNCTION(__VA_ARGS__)
#endif

// NAME_vector (LANES floats) and NAME_ints (LANES 32-bit integers); NAME_load / NAME_store move a whole vector
// (unaligned), NAME_load_part / NAME_store_part the first `count` lanes (the rest read as zero).
#define FOVEA_VECTORS(NAME, TARGET, LANES)                                                                          \
    typedef float NAME##_vector __attribute__((vector_size(4 * (LANES))));                                           \
    typedef int NAME##_ints __attribute__((vector_size(4 * (LANES))));                                               \
                                                                                                                     \
    TARGET static inline NAME##_vector NAME##_load(const float *p) {                                                 \
        NAME##_vector v;                                                                                             \
        memcpy(&v, p, sizeof v);                                                                                     \
        return v;                                                                                                    \
    }                                                                                                                \
                                                                                                                     \
    TARGET static inline void NAME##_store(float *p, NAME##_vector v) { memcpy(p, &v, sizeof v); }                  \
                                                                                                                     \
    TARGET static inline NAME##_vector NAME##_load_part(const float *p, int count) {                                 \
        if (count == (LANES)) return NAME##_load(p);                                                                 \
        NAME##_vector v = {0};                                                                                       \
        memcpy(&v, p, (size_t)count * sizeof(float));                                                               \
        return v;                                                                                                    \
    }                                                                                                                \
                                                                                                                     \
    TARGET static inline void NAME##_store_part(float *p, NAME##_vector v, int count) {                              \
        if (count == (LANES)) {                                                                                      \
            NAME##_store(p, v);                                                                                      \
        } else {                                                                                                     \
            memcpy(p, &v, (size_t)count * sizeof(float));                                                           \
        }                                                                                                            \
    }

#endif
