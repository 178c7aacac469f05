// Work items that each take `chunk` consecutive elements, for the programs that `#include "chunk.cl"`: 1 on GPUs
// (neighbouring items touch neighbouring addresses), about a thousand on CPUs, where PoCL vectorizes the loop (25x
// faster than one element per item there). Such a kernel runs over ceil(count / chunk) items. On CPUs that keeps its
// grid under 65535 items, the width up to which PoCL compiles a kernel specialized for small grids: a kernel met with
// grids on both sides of it is compiled twice, which cost a cold start 0.07-0.1 s per kernel.
#define FOR_CHUNK_OF(i, count) \
    for (int i = get_global_id(0) * chunk, i##_end = min(i + chunk, (count)); i < i##_end; ++i)
#define FOR_CHUNK FOR_CHUNK_OF(i, n)
