// The cells of recurrent layers, one time step of every sequence per launch, one work item per (hidden unit j,
// sequence b): global [H, B]. CELL (a build option) is RecurrentKind's raw value: 0 RNN tanh, 1 RNN relu, 2 LSTM
// (gates i, f, g, o), 3 GRU (r, z, n; the reset gate scales W_hn h + b_hn). The GEMM by W_hh that precedes each
// forward launch wrote h_{t-1} W_hh^T into the step's first G * H gate columns; the launch reads them with x_t W_ih^T
// + b_ih (projected) and b_hh, and writes what the backward needs in their place (the activated gates; for a GRU
// also W_hn h + b_hn in a fourth block). Outside sequence b (steps t >= lengths[b]; with front > 0, sequences padded
// at the front, steps t < front - lengths[b], front being the step count) the state is carried and the output is
// zero. Offsets are in elements; buffers whose flag is 0 are placeholders never read.

#ifndef CELL  // the LSTM by default, so the file also builds on its own
#define CELL 2
#endif
#define G (CELL == 2 ? 4 : CELL == 3 ? 3 : 1)
#define SAVED (CELL == 3 ? 4 : G)

float sigmoid_of(float x) { return 1.0f / (1.0f + exp(-x)); }

int holds(__global const int *lengths, int has_lengths, int front, int t, int b) {
    return !has_lengths || (front ? t >= front - lengths[b] : t < lengths[b]);
}

__kernel void rnn_cell_forward(__global const float *projected, int projected_offset, __global float *gates, int gates_offset,
                               __global const float *bias_hh, int has_bias,
                               __global const int *lengths, int has_lengths, int front, int t,
                               __global const float *h_prev, __global const float *c_prev, __global float *output,
                               int step_offset, __global float *h_next, __global float *c_next, int next_offset, int H) {
    int j = get_global_id(0), b = get_global_id(1);
    if (j >= H) return;
    int valid = holds(lengths, has_lengths, front, t, b);
    __global const float *x = projected + projected_offset + b * G * H;
    __global float *g = gates + gates_offset + b * SAVED * H;
    int state = b * H + j;
    float hp = h_prev[step_offset + state], h;
#define BIAS(k) (has_bias ? bias_hh[(k) * H + j] : 0.0f)
#if CELL == 0 || CELL == 1
    float pre = x[j] + g[j] + BIAS(0);
    h = CELL == 0 ? tanh(pre) : pre < 0.0f ? 0.0f : pre;  // NaN stays NaN, as in PyTorch
    g[j] = h;
#elif CELL == 2
    float i = sigmoid_of(x[j] + g[j] + BIAS(0));
    float f = sigmoid_of(x[H + j] + g[H + j] + BIAS(1));
    float cell = tanh(x[2 * H + j] + g[2 * H + j] + BIAS(2));
    float o = sigmoid_of(x[3 * H + j] + g[3 * H + j] + BIAS(3));
    g[j] = i; g[H + j] = f; g[2 * H + j] = cell; g[3 * H + j] = o;
    float cp = c_prev[step_offset + state], c = f * cp + i * cell;
    h = o * tanh(c);
    c_next[next_offset + state] = valid ? c : cp;
#else
    float hn = g[2 * H + j] + BIAS(2);
    float r = sigmoid_of(x[j] + g[j] + BIAS(0));
    float z = sigmoid_of(x[H + j] + g[H + j] + BIAS(1));
    float n = tanh(x[2 * H + j] + r * hn);
    g[j] = r; g[H + j] = z; g[2 * H + j] = n; g[3 * H + j] = hn;
    h = n + z * (hp - n);
#endif
    output[step_offset + state] = valid ? h : 0.0f;
    h_next[next_offset + state] = valid ? h : hp;
}

// One step backward: from dh (the gradient carried from the later steps) plus the output's gradient, and dc, the
// gradients of the step's projections, d_projected (of x_t W_ih^T + b_ih) and, for a GRU, d_hidden (of
// h_{t-1} W_hh^T + b_hh, which differs in the n block; the other cells' equals d_projected and is not written). dh and dc become what reaches the previous state apart from
// the GEMM by W_hh that follows the launch. Past the sequence's end the projections get zero and dh, dc pass through.
__kernel void rnn_cell_backward(__global const float *gates, int gates_offset,
                                __global const float *h_prev, __global const float *c_prev,
                                __global const float *grad_output, int has_grad_output, int step_offset,
                                __global const int *lengths, int has_lengths, int front, int t,
                                __global float *dh, __global float *dc,
                                __global float *d_projected, __global float *d_hidden, int grad_offset, int H) {
    int j = get_global_id(0), b = get_global_id(1);
    if (j >= H) return;
    int state = b * H + j;
    __global float *dx = d_projected + grad_offset + b * G * H;
    if (!holds(lengths, has_lengths, front, t, b)) {
        for (int k = 0; k < G; k++) dx[k * H + j] = 0.0f;
#if CELL == 3
        for (int k = 0; k < G; k++) d_hidden[grad_offset + b * G * H + k * H + j] = 0.0f;
#endif
        return;
    }
    __global const float *g = gates + gates_offset + b * SAVED * H;
    float d = dh[state] + (has_grad_output ? grad_output[step_offset + state] : 0.0f);
#if CELL == 0 || CELL == 1
    float h = g[j];
    float dpre = d * (CELL == 0 ? 1.0f - h * h : (h > 0.0f ? 1.0f : 0.0f));
    dx[j] = dpre;
    dh[state] = 0.0f;
#elif CELL == 2
    float i = g[j], f = g[H + j], cell = g[2 * H + j], o = g[3 * H + j];
    float cp = c_prev[step_offset + state], tc = tanh(f * cp + i * cell);
    float dcv = dc[state] + d * o * (1.0f - tc * tc);
    float di = dcv * cell * i * (1.0f - i), df = dcv * cp * f * (1.0f - f);
    float dg = dcv * i * (1.0f - cell * cell), dout = d * tc * o * (1.0f - o);
    dx[j] = di; dx[H + j] = df; dx[2 * H + j] = dg; dx[3 * H + j] = dout;
    dc[state] = dcv * f;
    dh[state] = 0.0f;
#else
    float r = g[j], z = g[H + j], n = g[2 * H + j], hn = g[3 * H + j];
    float dn = d * (1.0f - z) * (1.0f - n * n);
    float dr = dn * hn * r * (1.0f - r), dz = d * (h_prev[step_offset + state] - n) * z * (1.0f - z);
    dx[j] = dr; dx[H + j] = dz; dx[2 * H + j] = dn;
    __global float *dhh = d_hidden + grad_offset + b * G * H;
    dhh[j] = dr; dhh[H + j] = dz; dhh[2 * H + j] = dn * r;
    dh[state] = d * z;
#endif
}
