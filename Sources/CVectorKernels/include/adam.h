// Adam's update of one parameter tensor (PyTorch's Adam and AdamW), at a SIMD level.
#ifndef FOVEA_ADAM_H
#define FOVEA_ADAM_H

#include "simd_level.h"

/// For each of the `count` values: d = g + coupled_decay * p; m += (1 - beta1) (d - m); v = beta2 v + (1 - beta2) d^2;
/// p = p * decay - step_size * m / (sqrt(v) / second_moment_root + eps). step_size and second_moment_root carry the
/// bias corrections; decay is 1 - lr * weight_decay for AdamW (else 1), coupled_decay weight_decay for Adam (else 0).
void fovea_adam_step(
    int level, long count, float *p, const float *g, float *m, float *v, float beta1, float beta2, float eps,
    float step_size, float second_moment_root, float decay, float coupled_decay);

#endif
