// Random numbers: Philox4x32-10, identical to Sources/FoveaCore/Random/Philox.swift.
// Block g (counter_base + g) gives elements 4g .. 4g+3; each work item computes `chunk` consecutive blocks (chunk.cl).
// The 64-bit key (seed) and the block counter arrive as 32-bit halves.

#include "chunk.cl"

#pragma OPENCL FP_CONTRACT OFF

uint4 philox4x32_10(uint4 c, uint2 k) {
    for (int round = 0; round < 10; ++round) {
        uint lo0 = 0xD2511F53u * c.x, hi0 = mul_hi(0xD2511F53u, c.x);
        uint lo1 = 0xCD9E8D57u * c.z, hi1 = mul_hi(0xCD9E8D57u, c.z);
        c = (uint4)(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
        k += (uint2)(0x9E3779B9u, 0xBB67AE85u);
    }
    return c;
}

uint4 philox_block(uint key_lo, uint key_hi, uint block_lo, uint block_hi, uint g) {
    ulong block = (((ulong)block_hi << 32) | block_lo) + g;
    return philox4x32_10((uint4)((uint)block, (uint)(block >> 32), 0u, 0u), (uint2)(key_lo, key_hi));
}

// [0, 1) from the top 24 bits.
float to_uniform(uint x) { return (float)(x >> 8) * (1.0f / 16777216.0f); }

// Box-Muller on a pair; the first uniform is taken in (0, 1].
float2 normal_pair(uint x0, uint x1) {
    float u1 = (float)((x0 >> 8) + 1u) * (1.0f / 16777216.0f);
    float radius = sqrt(-2.0f * log(u1));
    float angle = 2.0f * M_PI_F * to_uniform(x1);
    return (float2)(radius * cos(angle), radius * sin(angle));
}

#define PHILOX_ARGS uint key_lo, uint key_hi, uint block_lo, uint block_hi
// The body once for each block g of the work item's chunk.
#define FOR_BLOCKS FOR_CHUNK_OF(g, (n + 3) / 4)

__kernel void random_uniform(__global float *out, int n, PHILOX_ARGS, float low, float high, int chunk) {
    FOR_BLOCKS {
        int base = 4 * g;
        uint4 bits = philox_block(key_lo, key_hi, block_lo, block_hi, g);
        uint lanes[4] = {bits.x, bits.y, bits.z, bits.w};
        for (int k = 0; k < 4 && base + k < n; ++k) out[base + k] = low + (high - low) * to_uniform(lanes[k]);
    }
}

__kernel void random_normal(__global float *out, int n, PHILOX_ARGS, float mean, float std, int chunk) {
    FOR_BLOCKS {
        int base = 4 * g;
        uint4 bits = philox_block(key_lo, key_hi, block_lo, block_hi, g);
        float2 a = normal_pair(bits.x, bits.y), b = normal_pair(bits.z, bits.w);
        float z[4] = {a.x, a.y, b.x, b.y};
        for (int k = 0; k < 4 && base + k < n; ++k) out[base + k] = mean + std * z[k];
    }
}

__kernel void random_bernoulli(__global float *out, int n, PHILOX_ARGS, float p, int chunk) {
    FOR_BLOCKS {
        int base = 4 * g;
        uint4 bits = philox_block(key_lo, key_hi, block_lo, block_hi, g);
        uint lanes[4] = {bits.x, bits.y, bits.z, bits.w};
        for (int k = 0; k < 4 && base + k < n; ++k) out[base + k] = to_uniform(lanes[k]) < p ? 1.0f : 0.0f;
    }
}

// out = x * mask / (1 - p); applied to the output gradient with the same state it is dropout's backward.
__kernel void dropout(__global const float *x, __global float *out, int n, PHILOX_ARGS, float p, float scale,
                      int chunk) {
    FOR_BLOCKS {
        int base = 4 * g;
        uint4 bits = philox_block(key_lo, key_hi, block_lo, block_hi, g);
        uint lanes[4] = {bits.x, bits.y, bits.z, bits.w};
        for (int k = 0; k < 4 && base + k < n; ++k) {
            out[base + k] = to_uniform(lanes[k]) >= p ? x[base + k] * scale : 0.0f;
        }
    }
}
