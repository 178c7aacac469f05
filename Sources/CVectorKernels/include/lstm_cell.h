// One LSTM step of one sequence (PyTorch's formulas, gates i, f, g, o), forward and backward, at a SIMD level.
#ifndef FOVEA_LSTM_CELL_H
#define FOVEA_LSTM_CELL_H

#include "simd_level.h"

/// From the step's input projection `x` (x_t W_ih^T + b_ih) and `gates` (h_{t-1} W_hh^T on entry), both
/// [4 * hidden], and `bias` (b_hh, or NULL): writes the gate values i, f, g, o over `gates`, and the new state. A
/// `valid` step writes c_t to `next_c`, h_t to `out` and `next_h`; past the sequence's end (`valid` 0) the state
/// passes through (`next_c` = c_prev, `next_h` = h_prev) and `out` is zero.
void fovea_lstm_cell_forward(
    int level, int hidden, const float *x, float *gates, const float *bias, const float *c_prev, const float *h_prev,
    int valid, float *out, float *next_h, float *next_c);

/// From the gate values the forward kept and the state's gradients `dh` (carried, plus `dy`, the output's, when
/// not NULL) and `dc`: writes the gradients of the step's four projections into `d_projected` [4 * hidden], dc_{t-1}
/// (apart from nothing: c has no other path) over `dc`, and zero over `dh` (the GEMM by W_hh adds dh_{t-1} to it).
void fovea_lstm_cell_backward(
    int level, int hidden, const float *gates, const float *c_prev, const float *dy, float *dh, float *dc,
    float *d_projected);

#endif
