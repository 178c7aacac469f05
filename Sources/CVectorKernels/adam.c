#include "adam.h"

#include "levels.h"

// One level's update, LANES values at a time (the last vector partly).
#define DEFINE_ADAM(NAME, TARGET, LANES)                                                                             \
    FOVEA_VECTORS(NAME, TARGET, LANES)                                                                               \
                                                                                                                     \
    TARGET static void NAME##_adam(                                                                                  \
        long count, float *p, const float *g, float *m, float *v, float beta1, float beta2, float eps,              \
        float step_size, float second_moment_root, float decay, float coupled_decay) {                               \
        for (long i = 0; i < count; i += (LANES)) {                                                                  \
            int n = count - i < (LANES) ? (int)(count - i) : (LANES);                                                \
            NAME##_vector pi = NAME##_load_part(p + i, n), mi = NAME##_load_part(m + i, n);                          \
            NAME##_vector vi = NAME##_load_part(v + i, n);                                                           \
            NAME##_vector d = NAME##_load_part(g + i, n) + coupled_decay * pi;                                       \
            mi += (1 - beta1) * (d - mi);                                                                            \
            vi = beta2 * vi + (1 - beta2) * d * d;                                                                   \
            NAME##_vector root = __builtin_elementwise_sqrt(vi);                                                     \
            pi = pi * decay - step_size * mi / (root / second_moment_root + eps);                                    \
            NAME##_store_part(p + i, pi, n);                                                                         \
            NAME##_store_part(m + i, mi, n);                                                                         \
            NAME##_store_part(v + i, vi, n);                                                                         \
        }                                                                                                            \
    }

FOVEA_FOR_EACH_LEVEL(DEFINE_ADAM)

void fovea_adam_step(
    int level, long count, float *p, const float *g, float *m, float *v, float beta1, float beta2, float eps,
    float step_size, float second_moment_root, float decay, float coupled_decay) {
    FOVEA_DISPATCH(
        level, adam, count, p, g, m, v, beta1, beta2, eps, step_size, second_moment_root, decay, coupled_decay);
}
