import FoveaCore

/// The result of comparing autograd's gradients with central finite differences.
public struct GradientCheckResult: CustomStringConvertible {
    /// Worst |analytic - numeric| / max(1, |numeric|) over all inputs and elements.
    public var worstError: Float
    public var worstInput: Int
    public var worstIndex: Int
    public var description: String { "worst relative error \(worstError) at input \(worstInput), element \(worstIndex)" }
}

/// Checks `function`'s backward for every input against central differences of the scalar sum(output * w),
/// with fixed random weights w. Inputs are modified during the check and restored afterwards.
///
/// Float32 arithmetic limits accuracy: use `epsilon` around 1e-2 and inputs away from kinks (relu at 0, max ties).
public func gradientCheck(
    _ inputs: [Tensor], epsilon: Float = 1e-2,
    _ function: ([Tensor]) throws -> Tensor
) throws -> GradientCheckResult {
    for input in inputs { input.requiresGrad = true; input.grad = nil }
    let output = try function(inputs)
    let weights = testValues(output.count, seed: 99)
    let seed = try Tensor(weights, shape: output.shape, device: output.device)
    try output.backward(seed)

    func objective() throws -> Double {
        let values = try withNoGrad { try function(inputs).toArray() }
        return zip(values, weights).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    var result = GradientCheckResult(worstError: 0, worstInput: 0, worstIndex: 0)
    for (inputIndex, input) in inputs.enumerated() {
        let analytic = try input.grad?.toArray() ?? [Float](repeating: 0, count: input.count)
        var values = try input.toArray()
        let backend = try input.backend
        for i in values.indices {
            let original = values[i]
            values[i] = original + epsilon
            try values.withUnsafeBufferPointer {
                try backend.upload($0, into: input.writableStorage(op: "gradientCheck"), offset: 0)
            }
            let plus = try objective()
            values[i] = original - epsilon
            try values.withUnsafeBufferPointer {
                try backend.upload($0, into: input.writableStorage(op: "gradientCheck"), offset: 0)
            }
            let minus = try objective()
            values[i] = original
            try values.withUnsafeBufferPointer {
                try backend.upload($0, into: input.writableStorage(op: "gradientCheck"), offset: 0)
            }
            let numeric = Float((plus - minus) / Double(2 * epsilon))
            let error = abs(analytic[i] - numeric) / max(1, abs(numeric))
            if error > result.worstError {
                result = GradientCheckResult(worstError: error, worstInput: inputIndex, worstIndex: i)
            }
        }
    }
    return result
}
