// Fused classification losses over scores x[N, C] with Int32 class indices in targets[N].
// Row i's loss is -sum_c a_c * logp[i, c] with a_c = (1 - e) * w[t_i] * [c == t_i] + e / C * w[c]
// (e the label smoothing, w the class weights or 1); the mean divides by sum_i w[t_i].
// FROM_LOGITS: logp = x - logsumexp(x) (softmax cross-entropy); otherwise x already holds log-probabilities (NLL).
// Targets outside 0..C-1 make a row contribute nothing (the host validates them where that costs no sync).

#include "group_reduce.cl"

bool valid_target(int t, int C) { return t >= 0 && t < C; }

float class_weight(__global const float *weights, int has_weights, int c) { return has_weights ? weights[c] : 1.0f; }

// One work-group: each item takes rows lid, lid + LOCAL_SIZE, ...; writes loss[0], stats = {sum_i w[t_i], sum_c w[c]},
// and each row's log-sum-exp. With `accumulate`, a trainer's running totals in the same pass: loss_sum[0] += N * loss
// and correct[0] += the rows whose first largest score is at their target (argmax_rows' rule).
__kernel __attribute__((reqd_work_group_size(LOCAL_SIZE, 1, 1)))
void classification_loss(__global const float *x, __global const int *targets, __global const float *weights,
                         int has_weights, int N, int C, float smoothing,
                         __global float *loss, __global float *stats, __global float *lse_out,
                         int accumulate, __global float *loss_sum, __global float *correct) {
    __local float scratch[LOCAL_SIZE];
    int lid = get_local_id(0);
    float class_sum = 0.0f;
    for (int c = lid; c < C; c += LOCAL_SIZE) class_sum += class_weight(weights, has_weights, c);
    float total = 0.0f, total_weight = 0.0f, hits = 0.0f;
    for (int i = lid; i < N; i += LOCAL_SIZE) {
        __global const float *row = x + i * C;
        if (accumulate) {
            int best = 0;
            for (int c = 1; c < C; ++c) if (row[c] > row[best]) best = c;
            hits += best == targets[i] ? 1.0f : 0.0f;
        }
        float lse = 0.0f;
#if FROM_LOGITS
        float maximum = row[0];
        for (int c = 1; c < C; ++c) maximum = fmax(maximum, row[c]);
        float sum = 0.0f;
        for (int c = 0; c < C; ++c) sum += exp(row[c] - maximum);
        lse = maximum + log(sum);
#endif
        lse_out[i] = lse;
        int target = targets[i];
        if (!valid_target(target, C)) continue;
        float target_weight = class_weight(weights, has_weights, target);
        float value = (1.0f - smoothing) * target_weight * (lse - row[target]);
        if (smoothing > 0.0f) {
            float smooth = 0.0f;
            for (int c = 0; c < C; ++c) smooth += class_weight(weights, has_weights, c) * (lse - row[c]);
            value += smoothing / C * smooth;
        }
        total += value;
        total_weight += target_weight;
    }
    class_sum = group_sum(scratch, class_sum);
    total = group_sum(scratch, total);
    total_weight = group_sum(scratch, total_weight);
    hits = group_sum(scratch, hits);
    if (lid == 0) {
        loss[0] = total / total_weight;
        stats[0] = total_weight;
        stats[1] = class_sum;
        if (accumulate) {
            loss_sum[0] += N * loss[0];
            correct[0] += hits;
        }
    }
}

// Global [C, N]: d loss / d x[i, c] times grad_loss[0], i.e. (softmax * sum_c a_c - a_c) / sum w[t] for logits
// and -a_c / sum w[t] for log-probabilities.
__kernel void classification_loss_backward(__global const float *grad_loss, __global const float *x,
                                           __global const int *targets, __global const float *weights,
                                           int has_weights, int N, int C, float smoothing,
                                           __global const float *stats, __global const float *lse,
                                           __global float *grad_input) {
    int c = get_global_id(0), i = get_global_id(1);
    if (c >= C || i >= N) return;
    int index = i * C + c;
    int target = targets[i];
    if (!valid_target(target, C)) { grad_input[index] = 0.0f; return; }
    float target_weight = class_weight(weights, has_weights, target);
    float a = (c == target ? (1.0f - smoothing) * target_weight : 0.0f) + smoothing / C * class_weight(weights, has_weights, c);
    float scale = grad_loss[0] / stats[0];
#if FROM_LOGITS
    float total = (1.0f - smoothing) * target_weight + smoothing / C * stats[1];
    grad_input[index] = scale * (exp(x[index] - lse[i]) * total - a);
#else
    grad_input[index] = -scale * a;
#endif
}
