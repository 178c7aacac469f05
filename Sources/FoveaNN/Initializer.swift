import Foundation
import FoveaCore

/// How a parameter's first values are drawn. Fans follow PyTorch: for a weight [out, in, kh, kw],
/// fanIn = in * kh * kw and fanOut = out * kh * kw.
public enum Initializer: Sendable {
    /// He/Kaiming uniform: U(-b, b), b = gain * sqrt(3 / fanIn), gain = sqrt(2 / (1 + a^2)).
    case heUniform(a: Float = 0)
    /// He/Kaiming normal: N(0, gain / sqrt(fanIn)).
    case heNormal(a: Float = 0)
    /// Xavier/Glorot uniform: U(-b, b), b = sqrt(6 / (fanIn + fanOut)).
    case xavierUniform
    /// Xavier/Glorot normal: N(0, sqrt(2 / (fanIn + fanOut))).
    case xavierNormal
    /// LeCun uniform: U(-b, b), b = sqrt(3 / fanIn).
    case lecunUniform
    /// LeCun normal: N(0, 1 / sqrt(fanIn)).
    case lecunNormal
    case uniform(low: Float, high: Float)
    case normal(mean: Float, std: Float)
    case constant(Float)
    case zeros
    case ones

    /// PyTorch's default for Linear and Conv weights: kaiming_uniform with a = sqrt(5), i.e. U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
    public static let pytorchDefault = Initializer.heUniform(a: Float(5).squareRoot())

    /// (fanIn, fanOut) of a weight shape.
    public static func fans(_ shape: Shape) -> (fanIn: Int, fanOut: Int) {
        guard shape.rank >= 2 else { return (shape.count, shape.count) }
        let receptive = shape.dims.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// A new tensor of `shape` drawn from this distribution.
    public func make(_ shape: Shape, fans: (fanIn: Int, fanOut: Int)? = nil, device: Device = .cpu,
                     generator: Generator = .default) throws -> Tensor {
        let (fanIn, fanOut) = fans ?? Self.fans(shape)
        func uniform(_ bound: Float) throws -> Tensor {
            try Tensor.uniform(shape, low: -bound, high: bound, generator: generator, device: device)
        }
        func normal(_ std: Float) throws -> Tensor {
            try Tensor.normal(shape, mean: 0, std: std, generator: generator, device: device)
        }
        switch self {
        case .heUniform(let a): return try uniform((2 / (1 + a * a)).squareRoot() * (3 / Float(fanIn)).squareRoot())
        case .heNormal(let a): return try normal((2 / (1 + a * a)).squareRoot() / Float(fanIn).squareRoot())
        case .xavierUniform: return try uniform((6 / Float(fanIn + fanOut)).squareRoot())
        case .xavierNormal: return try normal((2 / Float(fanIn + fanOut)).squareRoot())
        case .lecunUniform: return try uniform((3 / Float(fanIn)).squareRoot())
        case .lecunNormal: return try normal(1 / Float(fanIn).squareRoot())
        case let .uniform(low, high): return try Tensor.uniform(shape, low: low, high: high, generator: generator, device: device)
        case let .normal(mean, std): return try Tensor.normal(shape, mean: mean, std: std, generator: generator, device: device)
        case .constant(let value): return try Tensor.full(shape, value: value, device: device)
        case .zeros: return try Tensor.zeros(shape, device: device)
        case .ones: return try Tensor.ones(shape, device: device)
        }
    }
}
