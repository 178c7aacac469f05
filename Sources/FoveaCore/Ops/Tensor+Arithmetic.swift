/// Broadcasting binary ops, scalar ops and the arithmetic operators.
extension Tensor {
    /// op(self, other) under NumPy broadcasting, without recording a backward. Both operands have one dtype, which the
    /// result keeps (Float32 comparisons give 1.0 or 0.0 here; the public comparisons convert them to Int32).
    func broadcasting(_ op: BinaryOp, _ other: Tensor, name: String) throws -> Tensor {
        try checkSameDevice(other, op: name)
        guard dtype == other.dtype else {
            throw FoveaError.invalidArgument("\(name): dtypes \(dtype) and \(other.dtype) differ; convert one with to(dtype:)")
        }
        if dtype == .int32 && !op.supportsInt32 { throw FoveaError.unsupportedDType(op: name, dtype) }
        let outShape = try Shape.broadcast(shape, other.shape, op: name)
        let result = try Tensor.empty(outShape, dtype: dtype, device: device)
        // Views are read in place, through their own strides and offsets.
        let aStrides = viewStrides(broadcastTo: outShape), bStrides = other.viewStrides(broadcastTo: outShape)
        if dtype == .int32 {
            try backend.binaryInt32(
                op, a: sharedStorage, aOffset: storageOffset, aStrides: aStrides, b: other.sharedStorage,
                bOffset: other.storageOffset, bStrides: bStrides, out: result.storage, outShape: outShape)
        } else {
            try backend.binary(
                op, a: sharedStorage, aOffset: storageOffset, aStrides: aStrides, b: other.sharedStorage,
                bOffset: other.storageOffset, bStrides: bStrides, out: result.storage, outShape: outShape)
        }
        return result
    }

    /// Records a binary op whose backward maps the output gradient to each input's gradient at the broadcast shape;
    /// those are summed back to the inputs' shapes. `gradients` is only asked for inputs that need one.
    private func recordBinary(
        _ result: Tensor, _ other: Tensor, name: String, saving saved: SavedForBackward = .inputs,
        gradients: @escaping (_ grad: Tensor, _ output: Tensor, _ input: Int) throws -> Tensor
    ) -> Tensor {
        record(result, op: name, inputs: [self, other], saving: saved) { [self] grad, output in
            [
                try self.requiresGrad ? gradients(grad, output, 0).sumToShape(self.shape) : nil,
                try other.requiresGrad ? gradients(grad, output, 1).sumToShape(other.shape) : nil,
            ]
        }
    }

    /// self + other, broadcasting.
    public func add(_ other: Tensor) throws -> Tensor {
        try recordBinary(broadcasting(.add, other, name: "add"), other, name: "add", saving: .nothing) { grad, _, _ in grad }
    }

    /// self - other, broadcasting.
    public func sub(_ other: Tensor) throws -> Tensor {
        try recordBinary(broadcasting(.sub, other, name: "sub"), other, name: "sub", saving: .nothing) { grad, _, input in
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
        let saved = SavedForBackward.only([other], outputs: true)
        return try recordBinary(broadcasting(.div, other, name: "div"), other, name: "div", saving: saved) {
            grad, output, input in
            // d/da = 1 / b; d/db = -a / b^2 = -output / b
            let scaled = try grad.broadcasting(.div, other, name: "div backward")
            return input == 0 ? scaled : try scaled.broadcasting(.mul, output, name: "div backward").neg()
        }
    }

    /// self ^ exponent elementwise, broadcasting.
    public func pow(_ exponent: Tensor) throws -> Tensor {
        let result = try broadcasting(.pow, exponent, name: "pow")
        return recordBinary(result, exponent, name: "pow", saving: .inputsAndOutputs) { [self] grad, output, input in
            if input == 0 {
                // b * a^(b - 1)
                let lowered = try self.broadcasting(.pow, exponent.affine(1, -1, name: "sub"), name: "pow backward")
                return try grad.mul(exponent).mul(lowered)
            }
            // output * ln(a), taken as 0 where a == 0 (as PyTorch does for b >= 0).
            let safeBase = try self.add(self.unary(.eq, name: "pow backward", alpha: 0, differentiable: false))
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

    /// This tensor repeated along broadcast axes to `target`: a view with stride 0 on those axes (NumPy's broadcast_to,
    /// PyTorch's expand).
    public func broadcast(to target: Shape) throws -> Tensor {
        guard (try? Shape.broadcast(shape, target, op: "broadcast")) == target else {
            throw FoveaError.shapeMismatch(op: "broadcast", shape, target)
        }
        if target == shape { return self }
        let original = shape
        return view(shape: target, strides: viewStrides(broadcastTo: target), offset: storageOffset, op: "broadcast") {
            try $0.sumToShape(original)
        }
    }

    /// This view's strides, read as if broadcast to `target` (0 on broadcast axes).
    func viewStrides(broadcastTo target: Shape) -> [Int] {
        let lead = target.rank - rank
        return (0..<target.rank).map { i in
            let j = i - lead
            return (j < 0 || shape[j] == 1) ? 0 : strides[j]
        }
    }

    // MARK: Comparisons (Int32 1 where true, 0 elsewhere; no gradient)

    /// op(self, other) as Int32 1 or 0: one Int32 kernel for Int32 operands, a Float32 kernel and a conversion otherwise.
    private func compare(_ op: BinaryOp, _ other: Tensor, name: String) throws -> Tensor {
        let result = try broadcasting(op, other, name: name)
        return try result.to(dtype: .int32)
    }

    /// op(self, value) as Int32 1 or 0; an Int32 tensor is compared with an integral `value` exactly.
    private func compare(_ op: BinaryOp, _ unaryOp: UnaryOp, _ value: Float, name: String) throws -> Tensor {
        guard dtype == .int32 else {
            return try unary(unaryOp, name: name, alpha: value, differentiable: false).to(dtype: .int32)
        }
        guard let integral = Int32(exactly: value) else {
            throw FoveaError.invalidArgument("\(name): \(value) is not an int32 value to compare an int32 tensor with")
        }
        return try broadcasting(op, Tensor(int32: [integral], shape: [], device: device), name: name)
    }

    /// self == other, broadcasting (Int32 result).
    public func eq(_ other: Tensor) throws -> Tensor { try compare(.eq, other, name: "eq") }
    /// self != other, broadcasting (Int32 result).
    public func ne(_ other: Tensor) throws -> Tensor { try compare(.ne, other, name: "ne") }
    /// self < other, broadcasting (Int32 result).
    public func lt(_ other: Tensor) throws -> Tensor { try compare(.lt, other, name: "lt") }
    /// self <= other, broadcasting (Int32 result).
    public func le(_ other: Tensor) throws -> Tensor { try compare(.le, other, name: "le") }
    /// self > other, broadcasting (Int32 result).
    public func gt(_ other: Tensor) throws -> Tensor { try compare(.gt, other, name: "gt") }
    /// self >= other, broadcasting (Int32 result).
    public func ge(_ other: Tensor) throws -> Tensor { try compare(.ge, other, name: "ge") }

    /// self == value (Int32 result)
    public func eq(_ value: Float) throws -> Tensor { try compare(.eq, .eq, value, name: "eq") }
    /// self != value (Int32 result)
    public func ne(_ value: Float) throws -> Tensor { try compare(.ne, .ne, value, name: "ne") }
    /// self < value (Int32 result)
    public func lt(_ value: Float) throws -> Tensor { try compare(.lt, .lt, value, name: "lt") }
    /// self <= value (Int32 result)
    public func le(_ value: Float) throws -> Tensor { try compare(.le, .le, value, name: "le") }
    /// self > value (Int32 result)
    public func gt(_ value: Float) throws -> Tensor { try compare(.gt, .gt, value, name: "gt") }
    /// self >= value (Int32 result)
    public func ge(_ value: Float) throws -> Tensor { try compare(.ge, .ge, value, name: "ge") }

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
