// The instruction sets CVectorKernels' code is written for. The library is built for each architecture's baseline
// (x86-64: SSE2), and its AVX2 and AVX-512 functions run only where cpuid and xgetbv say they can, so the binary runs
// on any x86-64 (and the portable code on other architectures).
#ifndef FOVEA_SIMD_LEVEL_H
#define FOVEA_SIMD_LEVEL_H

/// Instruction set levels, in increasing order.
enum fovea_simd_level {
    FOVEA_SIMD_PORTABLE = 0,  ///< plain C vectors of four lanes, whatever the compiler's baseline gives
    FOVEA_SIMD_AVX2 = 1,      ///< AVX2 and FMA, 8 lanes
    FOVEA_SIMD_AVX512 = 2,    ///< AVX-512F, 16 lanes
};

/// The best level this CPU and operating system support (detected once). Every function taking a level runs at
/// that level or this one, whichever is lower, so tests can ask for each level up to it.
int fovea_simd_level(void);

#endif
