// Work-group reductions shared by the programs that `#include "group_reduce.cl"` (Fovea's program cache splices the
// text in). LOCAL_SIZE is the work-group size, a power of two.

#ifndef LOCAL_SIZE
#define LOCAL_SIZE 256
#endif

// The sum of `value` over the work-group (every item gets it).
float group_sum(__local float *scratch, float value) {
    int lid = get_local_id(0);
    scratch[lid] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = LOCAL_SIZE / 2; stride > 0; stride >>= 1) {
        if (lid < stride) scratch[lid] += scratch[lid + stride];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float total = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return total;
}
