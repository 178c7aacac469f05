import Foundation

/// A source of random numbers: Philox4x32-10 keyed by `seed`, with a position (`offset`) that advances
/// by the number of values each op draws. Two generators with the same seed and offset produce the same
/// values on every backend.
public final class Generator: @unchecked Sendable {
    private let lock = NSLock()
    private var current: PhiloxState

    /// The generator random ops and layers use unless given another: the process's (seed 0 until `manualSeed` changes
    /// it), or the one `withDefault` gave the current thread. Data-parallel replicas each have their own, so their
    /// draws do not interleave through one stream in an order the threads' timing decides.
    public static var `default`: Generator {
        (Thread.current.threadDictionary[threadDefaultKey] as? Generator) ?? processDefault
    }

    private static let processDefault = Generator(seed: 0)
    private static let threadDefaultKey = "fovea.defaultGenerator"

    /// Runs `body` with `generator` as this thread's `Generator.default` (and `manualSeed`'s target).
    public static func withDefault<T>(_ generator: Generator, _ body: () throws -> T) rethrows -> T {
        let dictionary = Thread.current.threadDictionary, previous = dictionary[threadDefaultKey]
        dictionary[threadDefaultKey] = generator
        defer { dictionary[threadDefaultKey] = previous }
        return try body()
    }

    public init(seed: UInt64 = 0) {
        current = PhiloxState(seed: seed, offset: 0)
    }

    /// The key of the stream.
    public var seed: UInt64 { lock.lock(); defer { lock.unlock() }; return current.seed }

    /// Values drawn so far (rounded up to whole Philox blocks of 4 per draw).
    public var offset: UInt64 { lock.lock(); defer { lock.unlock() }; return current.offset }

    /// The seed and offset together, for checkpoints. Setting it rounds the offset up to a multiple of 4.
    public var state: PhiloxState {
        get { lock.lock(); defer { lock.unlock() }; return current }
        set {
            lock.lock(); defer { lock.unlock() }
            current = PhiloxState(seed: newValue.seed, offset: (newValue.offset &+ 3) & ~3)
        }
    }

    /// Restarts the stream from the beginning with a new seed.
    public func manualSeed(_ seed: UInt64) {
        lock.lock(); defer { lock.unlock() }
        current = PhiloxState(seed: seed, offset: 0)
    }

    /// Reserves `count` values for one op and returns where they start; the offset moves past them (to the next block).
    public func reserve(_ count: Int) -> PhiloxState {
        lock.lock(); defer { lock.unlock() }
        let start = current
        current.offset &+= (UInt64(count) &+ 3) & ~3
        return start
    }
}

/// Reseeds `Generator.default` (PyTorch's `torch.manual_seed`): the process's, or this thread's where `withDefault`
/// gave it one.
public func manualSeed(_ seed: UInt64) {
    Generator.default.manualSeed(seed)
}
