/// Broadcasting binary ops, scalar ops and the arithmetic operators.
extension Tensor {
    /// op(self, other) under NumPy broadcasting, without recording a backward.
    func broadcasting(_ op: BinaryOp, _ other: Tensor, name: String) throws -> Tensor {
        try checkSameDevice(other, op: name)
        let outShape = try Shape.broadcast(shape, other.shape, op: name)
        let result = try Tensor.empty(outShape, device: device)
        try backend.binary(op, a: storage, aStrides: shape.broadcastStrides(to: outShape),
                           b: other.storage, bStrides: other.shape.broadcastStrides(to: outShape),
                           out: result.storage, outShape: outShape)
        return result
    }

    /// Records a binary op whose backward maps the output gradient to each input's gradient at the broadcast shape;
    /// those are summed back to the inputs' shapes. `gradients` is only asked for inputs that need one.
    private func recordBinary(_ result: Tensor, _ other: Tensor, name: String,
                              gradients: @escaping (_ grad: Tensor, _ output: Tensor, _ input: Int) throws -> Tensor) -> Tensor {
        record(result, op: name, inputs: [self, other]) { [self] grad, output in
            [try self.requiresGrad ? gradients(grad, output, 0).sumToShape(self.shape) : nil,
             try other.requiresGrad ? gradients(grad, output, 1).sumToShape(other.shape) : nil]
        }
    }

    /// self + other, broadcasting.
    public func add(_ other: Tensor) throws -> Tensor {
        try recordBinary(broadcasting(.add, other, name: "add"), other, name: "add") { grad, _, _ in grad }
    }

    /// self - other, broadcasting.
    public func sub(_ other: Tensor) throws -> Tensor {
        try recordBinary(broadcasting(.sub, other, name: "sub"), other, name: "sub") { grad, _, input in
            input == 0 ? grad : try grad.neg()
        }
    }

    /// self * other, broadcasting.
    public func mul(_ other: Tensor) throws -> Tensor {
        try recordBinary(broadcasting(.mul, other, name: "mul"), other, name: "mul") { [self] grad, _, input in
            try grad.broadcasting(.mul, input == 0 ? other : self, name: "mul backward")
        }
    }

    /// self / other, broadcasting.
    public func div(_ other: Tensor) throws -> Tensor {
        try recordBinary(broadcasting(.div, other, name: "div"), other, name: "div") { grad, output, input in
            // d/da = 1 / b; d/db = -a / b^2 = -output / b
            let scaled = try grad.broadcasting(.div, other, name: "div backward")
            return input == 0 ? scaled : try scaled.broadcasting(.mul, output, name: "div backward").neg()
        }
    }

    /// self ^ exponent elementwise, broadcasting.
    public func pow(_ exponent: Tensor) throws -> Tensor {
        try recordBinary(broadcasting(.pow, exponent, name: "pow"), exponent, name: "pow") { [self] grad, output, input in
            if input == 0 {
                // b * a^(b - 1)
                let lowered = try self.broadcasting(.pow, exponent.affine(1, -1, name: "sub"), name: "pow backward")
                return try grad.mul(exponent).mul(lowered)
            }
            // output * ln(a), taken as 0 where a == 0 (as PyTorch does for b >= 0).
            let safeBase = try self.add(self.eq(0))
            return try grad.mul(output).mul(safeBase.log())
        }
    }

    /// Elementwise larger value, broadcasting; on ties the gradient is split evenly.
    public func maximum(_ other: Tensor) throws -> Tensor { try extremum(.maximum, other, name: "maximum", wins: .gt) }

    /// Elementwise smaller value, broadcasting; on ties the gradient is split evenly.
    public func minimum(_ other: Tensor) throws -> Tensor { try extremum(.minimum, other, name: "minimum", wins: .lt) }

    private func extremum(_ op: BinaryOp, _ other: Tensor, name: String, wins: BinaryOp) throws -> Tensor {
        try recordBinary(broadcasting(op, other, name: name), other, name: name) { [self] grad, _, input in
            let first = input == 0 ? self : other, second = input == 0 ? other : self
            let share = try first.broadcasting(wins, second, name: name).add(first.broadcasting(.eq, second, name: name).mul(0.5))
            return try grad.mul(share)
        }
    }

    /// Sums this tensor over the axes along which `target` was broadcast to this shape (the backward of broadcasting).
    public func sumToShape(_ target: Shape) throws -> Tensor {
        if target == shape { return self }
        guard target.rank <= rank, (try? Shape.broadcast(target, shape, op: "sumToShape")) == shape else {
            throw FoveaError.shapeMismatch(op: "sumToShape", shape, target)
        }
        let lead = rank - target.rank
        let axes = Array(0..<lead) + (0..<target.rank).filter { target[$0] == 1 && shape[lead + $0] != 1 }.map { $0 + lead }
        return try sum(axes: axes, keepDims: true).reshaped(target)
    }

    /// This tensor repeated along broadcast axes to `target` (a copy; NumPy's broadcast_to).
    public func broadcast(to target: Shape) throws -> Tensor {
        guard (try? Shape.broadcast(shape, target, op: "broadcast")) == target else {
            throw FoveaError.shapeMismatch(op: "broadcast", shape, target)
        }
        if target == shape { return self }
        let result = try Tensor.empty(target, device: device)
        try backend.expand(storage, strides: shape.broadcastStrides(to: target), into: result.storage, shape: target)
        let original = shape
        return record(result, op: "broadcast", inputs: [self]) { grad, _ in [try grad.sumToShape(original)] }
    }

    // MARK: Comparisons (1 where true, 0 elsewhere; no gradient)

    /// self == other, broadcasting.
    public func eq(_ other: Tensor) throws -> Tensor { try broadcasting(.eq, other, name: "eq") }
    /// self != other, broadcasting.
    public func ne(_ other: Tensor) throws -> Tensor { try broadcasting(.ne, other, name: "ne") }
    /// self < other, broadcasting.
    public func lt(_ other: Tensor) throws -> Tensor { try broadcasting(.lt, other, name: "lt") }
    /// self <= other, broadcasting.
    public func le(_ other: Tensor) throws -> Tensor { try broadcasting(.le, other, name: "le") }
    /// self > other, broadcasting.
    public func gt(_ other: Tensor) throws -> Tensor { try broadcasting(.gt, other, name: "gt") }
    /// self >= other, broadcasting.
    public func ge(_ other: Tensor) throws -> Tensor { try broadcasting(.ge, other, name: "ge") }

    /// self == value
    public func eq(_ value: Float) throws -> Tensor { try unary(.eq, name: "eq", alpha: value, differentiable: false) }
    /// self != value
    public func ne(_ value: Float) throws -> Tensor { try unary(.ne, name: "ne", alpha: value, differentiable: false) }
    /// self < value
    public func lt(_ value: Float) throws -> Tensor { try unary(.lt, name: "lt", alpha: value, differentiable: false) }
    /// self <= value
    public func le(_ value: Float) throws -> Tensor { try unary(.le, name: "le", alpha: value, differentiable: false) }
    /// self > value
    public func gt(_ value: Float) throws -> Tensor { try unary(.gt, name: "gt", alpha: value, differentiable: false) }
    /// self >= value
    public func ge(_ value: Float) throws -> Tensor { try unary(.ge, name: "ge", alpha: value, differentiable: false) }

    /// self * value (one kernel).
    public func mul(_ value: Float) throws -> Tensor { try affine(value, 0, name: "mul") }

    // MARK: Operators

    public static func + (lhs: Tensor, rhs: Tensor) throws -> Tensor { try lhs.add(rhs) }
    public static func - (lhs: Tensor, rhs: Tensor) throws -> Tensor { try lhs.sub(rhs) }
    public static func * (lhs: Tensor, rhs: Tensor) throws -> Tensor { try lhs.mul(rhs) }
    public static func / (lhs: Tensor, rhs: Tensor) throws -> Tensor { try lhs.div(rhs) }
    public static prefix func - (x: Tensor) throws -> Tensor { try x.neg() }

    public static func + (lhs: Tensor, rhs: Float) throws -> Tensor { try lhs.affine(1, rhs, name: "add") }
    public static func + (lhs: Float, rhs: Tensor) throws -> Tensor { try rhs.affine(1, lhs, name: "add") }
    public static func - (lhs: Tensor, rhs: Float) throws -> Tensor { try lhs.affine(1, -rhs, name: "sub") }
    public static func - (lhs: Float, rhs: Tensor) throws -> Tensor { try rhs.affine(-1, lhs, name: "sub") }
    public static func * (lhs: Tensor, rhs: Float) throws -> Tensor { try lhs.affine(rhs, 0, name: "mul") }
    public static func * (lhs: Float, rhs: Tensor) throws -> Tensor { try rhs.affine(lhs, 0, name: "mul") }
    public static func / (lhs: Tensor, rhs: Float) throws -> Tensor { try lhs.unary(.divide, name: "div", alpha: rhs) }
    public static func / (lhs: Float, rhs: Tensor) throws -> Tensor { try rhs.unary(.reciprocal, name: "div", alpha: lhs) }
}
