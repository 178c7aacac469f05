/// Unary elementwise ops, each one kernel with its own backward kernel.
extension Tensor {
    /// Applies `op` with scalar parameters; records a backward when the op is differentiable.
    func unary(_ op: UnaryOp, name: String, alpha: Float = 0, beta: Float = 0, differentiable: Bool = true) throws -> Tensor {
        try requireDType(.float32, op: name)
        let result = try Tensor.empty(shape, device: device)
        // A contiguous view (a slice, a time step) is read in place; other views through one dense copy.
        let (source, offset) = try rowMajorElements
        try backend.unary(op, x: source, xOffset: offset, out: result.storage, count: count, alpha: alpha, beta: beta)
        guard differentiable else { return result }
        // Negation, affine maps and division by a constant scale the gradient; every other backward reads x or y.
        let saved: SavedForBackward, readsInput: Bool
        switch op {
        case .neg, .affine, .divide: (saved, readsInput) = (.nothing, false)
        default: (saved, readsInput) = (.inputsAndOutputs, true)
        }
        // The dense copy the forward made of a view that is not contiguous serves the backward too.
        let copiedInput = readsInput && !isContiguous ? source : nil
        return record(result, op: name, inputs: [self], saving: saved) { [self] grad, output in
            let gradIn = try Tensor.empty(self.shape, device: self.device)
            try self.backend.unaryBackward(
                op, x: copiedInput ?? self.storage, y: output.storage, gradOut: grad.storage,
                gradIn: gradIn.storage, count: self.count, alpha: alpha, beta: beta)
            return [gradIn]
        }
    }

    /// -x
    public func neg() throws -> Tensor { try unary(.neg, name: "neg") }
    /// |x| (gradient 0 at 0).
    public func abs() throws -> Tensor { try unary(.abs, name: "abs") }
    /// e^x
    public func exp() throws -> Tensor { try unary(.exp, name: "exp") }
    /// Natural logarithm.
    public func log() throws -> Tensor { try unary(.log, name: "log") }
    /// Square root.
    public func sqrt() throws -> Tensor { try unary(.sqrt, name: "sqrt") }
    /// x * x
    public func square() throws -> Tensor { try unary(.square, name: "square") }
    /// max(x, 0) (gradient 0 at 0).
    public func relu() throws -> Tensor { try unary(.relu, name: "relu") }
    /// x for x > 0, slope * x otherwise.
    public func leakyRelu(slope: Float = 0.01) throws -> Tensor { try unary(.leakyRelu, name: "leakyRelu", alpha: slope) }
    /// x for x > 0, alpha * (e^x - 1) otherwise.
    public func elu(alpha: Float = 1) throws -> Tensor { try unary(.elu, name: "elu", alpha: alpha) }
    /// 1 / (1 + e^-x), computed without overflow.
    public func sigmoid() throws -> Tensor { try unary(.sigmoid, name: "sigmoid") }
    /// Hyperbolic tangent.
    public func tanh() throws -> Tensor { try unary(.tanh, name: "tanh") }
    /// Exact GELU, x * Φ(x) with the erf form of Φ (PyTorch's default).
    public func gelu() throws -> Tensor { try unary(.gelu, name: "gelu") }

    /// Limits values to [min, max]; a nil bound is open. The gradient flows where min <= x <= max.
    public func clamp(min: Float? = nil, max: Float? = nil) throws -> Tensor {
        if let min, let max, min > max {
            throw FoveaError.invalidArgument("clamp: min \(min) is greater than max \(max)")
        }
        return try unary(.clamp, name: "clamp", alpha: min ?? -.infinity, beta: max ?? .infinity)
    }

    /// x ^ exponent, elementwise.
    public func pow(_ exponent: Float) throws -> Tensor { try unary(.pow, name: "pow", alpha: exponent) }

    /// alpha * x + beta in one kernel.
    func affine(_ alpha: Float, _ beta: Float, name: String) throws -> Tensor {
        try unary(.affine, name: name, alpha: alpha, beta: beta)
    }
}
