#include "levels.h"

#if defined(__x86_64__)
#include <cpuid.h>

static int detect_level(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return FOVEA_SIMD_PORTABLE;
    const unsigned fma = 1u << 12, osxsave = 1u << 27, avx = 1u << 28;
    if ((c & (fma | osxsave | avx)) != (fma | osxsave | avx)) return FOVEA_SIMD_PORTABLE;
    unsigned xcr0, xcr0_high;
    __asm__("xgetbv" : "=a"(xcr0), "=d"(xcr0_high) : "c"(0));
    // The operating system saves xmm and ymm registers (bits 1, 2), and opmask and zmm registers (bits 5-7).
    if ((xcr0 & 0x6) != 0x6 || !__get_cpuid_count(7, 0, &a, &b, &c, &d)) return FOVEA_SIMD_PORTABLE;
    const unsigned avx2 = 1u << 5, avx512f = 1u << 16;
    if ((b & avx512f) && (xcr0 & 0xe6) == 0xe6) return FOVEA_SIMD_AVX512;
    return (b & avx2) ? FOVEA_SIMD_AVX2 : FOVEA_SIMD_PORTABLE;
}
#else
static int detect_level(void) { return FOVEA_SIMD_PORTABLE; }
#endif

int fovea_simd_level(void) {
    static int detected = -1;
    int level = __atomic_load_n(&detected, __ATOMIC_RELAXED);
    if (level < 0) {
        level = detect_level();
        __atomic_store_n(&detected, level, __ATOMIC_RELAXED);
    }
    return level;
}

int fovea_usable_level(int level) {
    int best = fovea_simd_level();
    if (level > best) return best;
    return level < FOVEA_SIMD_PORTABLE ? FOVEA_SIMD_PORTABLE : level;
}
