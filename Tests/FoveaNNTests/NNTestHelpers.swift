import FoveaCore
import FoveaNN
import FoveaTestSupport

/// Gradient check of `layer` with respect to its input and every parameter (parameter values are inputs too).
func layerGradientCheck(_ layer: some UnaryLayer, input: Tensor, epsilon: Float = 1e-2) throws -> GradientCheckResult {
    try gradientCheck([input] + layer.parameters.map(\.value), epsilon: epsilon) { inputs in try layer(inputs[0]) }
}

/// Test values at least 0.1 away from zero (kinks of relu, abs and friends sit at zero).
func awayFromZero(_ shape: Shape, device: Device, seed: UInt64) throws -> Tensor {
    let values = testValues(shape.count, seed: seed).map { $0 < 0 ? $0 - 0.1 : $0 + 0.1 }
    return try Tensor(values, shape: shape, device: device)
}

/// Distinct values 0.05 apart in a scrambled order, so max/min windows have no near-ties.
func distinctTensor(_ shape: Shape, device: Device, seed: UInt64) throws -> Tensor {
    let keys = testValues(shape.count, seed: seed)
    let order = keys.indices.sorted { keys[$0] < keys[$1] }
    var values = [Float](repeating: 0, count: shape.count)
    for (rank, index) in order.enumerated() { values[index] = Float(rank) * 0.05 - Float(shape.count) * 0.025 }
    return try Tensor(values, shape: shape, device: device)
}

/// Replaces a parameter's values (keeps its device).
func setValues(_ parameter: Parameter, _ values: [Float]) throws {
    parameter.value = try Tensor(values, shape: parameter.shape, device: parameter.device)
}

/// Refills the weights and biases of every Dense and Conv2D in `module` with deterministic values in PyTorch's default
/// range +-1/sqrt(fanIn), so a test does not depend on the shared default generator (other tests draw from it concurrently).
func fillWeights(_ module: Module, seed: UInt64) throws {
    var next = seed
    func fill(_ module: Module) throws {
        let parameters: [Parameter] =
            if let dense = module as? Dense {
                [dense.weight] + (dense.bias.map { [$0] } ?? [])
            } else if let conv = module as? Conv2D { [conv.weight] + (conv.bias.map { [$0] } ?? []) } else { [] }
        if let weight = parameters.first {
            let bound = 1 / Float(Initializer.fans(weight.shape).fanIn).squareRoot()
            for parameter in parameters {
                try setValues(parameter, testValues(parameter.value.count, seed: next, low: -bound, high: bound))
                next &+= 1
            }
        }
        for (_, child) in module.namedChildren { try fill(child) }
    }
    try fill(module)
}
