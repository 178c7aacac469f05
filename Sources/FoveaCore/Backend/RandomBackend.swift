/// A distribution that `fillRandom` draws from.
public enum RandomDistribution: Sendable, Equatable {
    /// low + (high - low) * u, with u = (x >> 8) * 2^-24 from each 32-bit Philox value.
    case uniform(low: Float, high: Float)
    /// mean + std * z, z from Box-Muller on consecutive pairs of a block.
    case normal(mean: Float, std: Float)
    /// 1 where u < p, else 0.
    case bernoulli(p: Float)
}

/// Random numbers from Philox4x32-10 (see `Philox`); every backend computes the same uniform values.
public protocol RandomBackend: AnyObject {
    /// Fills `count` elements of `storage` with values `state.offset ..< state.offset + count` of the stream.
    func fillRandom(_ storage: Storage, count: Int, distribution: RandomDistribution, state: PhiloxState) throws
    /// out = x * (u >= p ? 1 / (1 - p) : 0), u the uniform values of the stream at `state`.
    /// Running it again on the output gradient with the same state gives dropout's backward.
    func dropout(_ x: Storage, into out: Storage, count: Int, p: Float, state: PhiloxState) throws
}
