/// A linear warm-up, then another schedule: for the first `steps` steps the rate climbs linearly from
/// `startFactor` times the base rate to the base rate (PyTorch's LinearLR with end factor 1), then `schedule` runs
/// from its own step 0 (PyTorch's SequentialLR with the milestone at `steps`). Without `schedule` the rate then stays.
///
/// `WarmupLR(optimizer, steps: 2, then: CosineAnnealingLR(optimizer, period: 8))` warms up for 2 epochs and then
/// anneals over the next 8.
public final class WarmupLR: EpochScheduler {
    /// Steps of warm-up, and the fraction of the base rate it starts from.
    public let steps: Int, startFactor: Float
    private let schedule: EpochScheduler?

    /// `schedule` must drive the same optimizer; its base rates are the ones used.
    public init(_ optimizer: Optimizer, steps: Int, startFactor: Float = 1.0 / 3, then schedule: EpochScheduler? = nil) {
        self.steps = max(0, steps); self.startFactor = startFactor; self.schedule = schedule
        super.init(optimizer, baseRates: schedule?.baseRates)
    }

    override func rate(base: Float, epoch: Int) -> Float {
        guard epoch >= steps else { return base * (startFactor + (1 - startFactor) * Float(epoch) / Float(steps)) }
        return schedule?.rate(base: base, epoch: epoch - steps) ?? base
    }
}
