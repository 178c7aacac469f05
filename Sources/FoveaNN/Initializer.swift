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
    public func make(
        _ shape: Shape, fans: (fanIn: Int, fanOut: Int)? = nil, device: Device = .cpu,
        generator: Generator = .default
    ) throws -> Tensor {
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

extension Initializer {
    /// A new CPU tensor of `shape` drawn from this distribution, for layer initializers, which do not throw.
    /// On the CPU only arguments can make `make` fail (an infinite bound, a negative standard deviation, no host
    /// memory): these are programming errors, so they stop the program with the error's message.
    func cpuTensor(_ shape: Shape, fans: (fanIn: Int, fanOut: Int)? = nil, generator: Generator = .default) -> Tensor {
        do {
            return try make(shape, fans: fans, device: .cpu, generator: generator)
        } catch {
            preconditionFailure("\(self) initializer for shape \(shape): \(error)")
        }
    }

    /// A layer's weight of `shape` ([out, in, ...]) and, when `bias`, its bias [out], on the CPU. The bias defaults
    /// to PyTorch's U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
    static func weightAndBias(
        _ shape: Shape, weight: Initializer, bias: Bool, biasInitializer: Initializer? = nil,
        generator: Generator
    ) -> (weight: Tensor, bias: Tensor?) {
        let fans = fans(shape)
        let values = weight.cpuTensor(shape, fans: fans, generator: generator)
        guard bias else { return (values, nil) }
        let bound = 1 / Float(fans.fanIn).squareRoot()
        return (
            values,
            (biasInitializer ?? .uniform(low: -bound, high: bound)).cpuTensor([shape[0]], fans: fans, generator: generator)
        )
    }
}
