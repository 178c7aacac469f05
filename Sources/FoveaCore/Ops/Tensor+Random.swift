/// Tensors of random values from a `Generator` (Philox4x32-10): the same seed gives the same uniform values on every device.
extension Tensor {
    /// Values uniform in [low, high).
    public static func uniform(
        _ shape: Shape, low: Float = 0, high: Float = 1,
        generator: Generator = .default, device: Device = .cpu
    ) throws -> Tensor {
        guard low.isFinite, high.isFinite, low <= high else {
            throw FoveaError.invalidArgument("uniform: need finite low <= high, got low \(low), high \(high)")
        }
        return try random(shape, .uniform(low: low, high: high), generator: generator, device: device)
    }

    /// Values from a normal distribution (Box-Muller).
    public static func normal(
        _ shape: Shape, mean: Float = 0, std: Float = 1,
        generator: Generator = .default, device: Device = .cpu
    ) throws -> Tensor {
        guard mean.isFinite, std.isFinite, std >= 0 else {
            throw FoveaError.invalidArgument("normal: need finite mean and std >= 0, got mean \(mean), std \(std)")
        }
        return try random(shape, .normal(mean: mean, std: std), generator: generator, device: device)
    }

    /// 1 with probability `p`, else 0.
    public static func bernoulli(
        _ shape: Shape, p: Float,
        generator: Generator = .default, device: Device = .cpu
    ) throws -> Tensor {
        guard p >= 0, p <= 1 else { throw FoveaError.invalidArgument("bernoulli: probability \(p) is outside [0, 1]") }
        return try random(shape, .bernoulli(p: p), generator: generator, device: device)
    }

    private static func random(
        _ shape: Shape, _ distribution: RandomDistribution,
        generator: Generator, device: Device
    ) throws -> Tensor {
        let result = try empty(shape, device: device)
        try result.backend.fillRandom(
            result.storage, count: result.count, distribution: distribution,
            state: generator.reserve(result.count))
        return result
    }
}
