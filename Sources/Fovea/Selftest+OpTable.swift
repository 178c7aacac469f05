import FoveaCore

// Selftest cases derived from the op tables: the switches are exhaustive, so a new `UnaryOp`, `BinaryOp` or
// `RecurrentKind` does not compile until selftest runs it.

extension UnaryOp {
    /// The case's name, the input range, and the Tensor call that runs this op.
    var selftestCase: (name: String, low: Float, high: Float, apply: (Tensor) throws -> Tensor) {
        switch self {
        case .neg: return ("neg", -2, 2, { try $0.neg() })
        case .abs: return ("abs", -2, 2, { try $0.abs() })
        case .exp: return ("exp", -3, 3, { try $0.exp() })
        case .log: return ("log", 0.1, 5, { try $0.log() })
        case .sqrt: return ("sqrt", 0.1, 5, { try $0.sqrt() })
        case .square: return ("square", -2, 2, { try $0.square() })
        case .relu: return ("relu", -2, 2, { try $0.relu() })
        case .leakyRelu: return ("leakyRelu", -2, 2, { try $0.leakyRelu(slope: 0.1) })
        case .elu: return ("elu", -3, 3, { try $0.elu(alpha: 1.5) })
        case .sigmoid: return ("sigmoid", -5, 5, { try $0.sigmoid() })
        case .tanh: return ("tanh", -3, 3, { try $0.tanh() })
        case .gelu: return ("gelu", -3, 3, { try $0.gelu() })
        case .clamp: return ("clamp", -2, 2, { try $0.clamp(min: -0.5, max: 0.7) })
        case .pow: return ("pow scalar 2.5", 0.1, 3, { try $0.pow(2.5) })
        case .affine: return ("affine x*1.5+0.25", -2, 2, { try $0 * 1.5 + 0.25 })
        case .divide: return ("divide x/3", -2, 2, { try $0 / 3 })
        case .reciprocal: return ("reciprocal 2/x", 0.5, 3, { try 2 / $0 })
        case .eq: return ("eq scalar 1", 0, 3, { try $0.eq(1) })
        case .ne: return ("ne scalar 1", 0, 3, { try $0.ne(1) })
        case .lt: return ("lt scalar 1.5", 0, 3, { try $0.lt(1.5) })
        case .le: return ("le scalar 1.5", 0, 3, { try $0.le(1.5) })
        case .gt: return ("gt scalar 1.5", 0, 3, { try $0.gt(1.5) })
        case .ge: return ("ge scalar 1.5", 0, 3, { try $0.ge(1.5) })
        }
    }
}

extension BinaryOp {
    /// The case's name, the lower end of both operands' ranges (the upper is 2), and the Tensor call.
    var selftestCase: (name: String, low: Float, apply: (Tensor, Tensor) throws -> Tensor) {
        switch self {
        case .add: return ("add", -1, { try $0 + $1 })
        case .sub: return ("sub", -1, { try $0 - $1 })
        case .mul: return ("mul", -1, { try $0 * $1 })
        // Positive divisors and bases keep div and pow smooth.
        case .div: return ("div", 0.5, { try $0 / $1 })
        case .pow: return ("pow", 0.5, { try $0.pow($1) })
        case .maximum: return ("maximum", -1, { try $0.maximum($1) })
        case .minimum: return ("minimum", -1, { try $0.minimum($1) })
        case .eq: return ("eq", 0, { try $0.eq($1) })
        case .ne: return ("ne", 0, { try $0.ne($1) })
        case .lt: return ("lt", 0, { try $0.lt($1) })
        case .le: return ("le", 0, { try $0.le($1) })
        case .gt: return ("gt", 0, { try $0.gt($1) })
        case .ge: return ("ge", 0, { try $0.ge($1) })
        }
    }
}

extension RecurrentKind {
    /// The name of the recurrence's cases (`Runner.recurrent` runs every kind).
    var selftestName: String {
        switch self {
        case .rnnTanh: "rnn tanh"
        case .rnnRelu: "rnn relu"
        case .lstm: "lstm"
        case .gru: "gru"
        }
    }
}
