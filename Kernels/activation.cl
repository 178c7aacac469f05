// Activations fused into the kernel that computes their input (ConvolutionActivation in
// Sources/FoveaCore/Backend/ConvolutionActivation.swift has the same codes), for float and floatN values alike.
// Only activations whose derivative is a function of their output y.

#define ACT_IDENTITY 0
#define ACT_RELU 1
#define ACT_SIGMOID 2
#define ACT_TANH 3

// 0 where v < 0, else v: a NaN stays NaN, as in PyTorch (fmax(v, 0) would make it 0). Component-wise for vectors.
#define RELU(v) ((v) < 0.0f ? 0.0f : (v))

#define ACTIVATE(a, v) ((a) == ACT_RELU ? RELU(v) : (a) == ACT_SIGMOID ? 1.0f / (1.0f + exp(-(v))) \
                        : (a) == ACT_TANH ? tanh(v) : (v))

// g * activation'(x) from the output y = activation(x) (ReLU's x > 0 is y > 0), for one value and four.
inline float activation_gradient(int a, float g, float y) {
    switch (a) {
    case ACT_RELU: return y > 0.0f ? g : 0.0f;
    case ACT_SIGMOID: return g * y * (1.0f - y);
    case ACT_TANH: return g * (1.0f - y * y);
    }
    return g;
}

inline float4 activation_gradient4(int a, float4 g, float4 y) {
    switch (a) {
    case ACT_RELU: return select((float4)(0.0f), g, y > 0.0f);
    case ACT_SIGMOID: return g * y * (1.0f - y);
    case ACT_TANH: return g * (1.0f - y * y);
    }
    return g;
}
