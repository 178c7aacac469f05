import Foundation
import FoveaCore

/// Changes an optimizer's learning rate as training goes: call `step()` after each epoch, or after each batch for
/// schedules counted in batches (`OneCycleLR`; `SchedulerCallback(_:interval:)` does it in a `Trainer`).
public protocol LearningRateScheduler: AnyObject {
    /// Advances one step; `metric` is the validation loss for schedulers that watch it, ignored by the others.
    func step(metric: Float?)
}

extension LearningRateScheduler {
    /// Advances one step without a metric (a metric-watching scheduler keeps its rate).
    public func step() { step(metric: nil) }
}

/// A schedule whose rate is a function of each group's base rate and the steps taken (PyTorch's `last_epoch`: epochs,
/// or batches for a schedule stepped per batch). Subclasses give `rate(base:epoch:)`; making the scheduler sets
/// the rate of step 0, as PyTorch does, and `step` advances the count and applies it to every parameter group.
public class EpochScheduler: LearningRateScheduler {
    private let optimizer: Optimizer
    /// Each group's rate when the schedule was made (PyTorch's `initial_lr`).
    let baseRates: [Float]
    /// Steps taken so far.
    public private(set) var epoch = 0

    /// `baseRates` defaults to the optimizer's current rates.
    init(_ optimizer: Optimizer, baseRates: [Float]? = nil) {
        self.optimizer = optimizer
        self.baseRates = baseRates ?? optimizer.parameterGroups.map(\.learningRate)
        apply()
    }

    /// The rate after `epoch` steps for a group that started at `base`.
    func rate(base: Float, epoch: Int) -> Float { base }

    public func step(metric: Float? = nil) {
        epoch += 1
        apply()
    }

    private func apply() {
        for (group, base) in zip(optimizer.parameterGroups, baseRates) { group.learningRate = rate(base: base, epoch: epoch) }
    }
}

/// The base rate times `factor(epoch)` (PyTorch's LambdaLR); `factor(0)` applies from the start.
public final class LambdaLR: EpochScheduler {
    private let factor: (Int) -> Float

    /// `factor` maps the steps taken (0 when the scheduler is made) to the multiplier of each group's base rate.
    public init(_ optimizer: Optimizer, factor: @escaping (Int) -> Float) {
        self.factor = factor
        super.init(optimizer)
    }

    override func rate(base: Float, epoch: Int) -> Float { base * factor(epoch) }
}

/// Multiplies the rate by `gamma` every `stepSize` epochs.
public final class StepLR: EpochScheduler {
    public let stepSize: Int, gamma: Float

    public init(_ optimizer: Optimizer, stepSize: Int, gamma: Float = 0.1) {
        self.stepSize = max(1, stepSize); self.gamma = gamma
        super.init(optimizer)
    }

    override func rate(base: Float, epoch: Int) -> Float { base * powf(gamma, Float(epoch / stepSize)) }
}

/// Multiplies the rate by `gamma` every epoch.
public final class ExponentialLR: EpochScheduler {
    public let gamma: Float

    public init(_ optimizer: Optimizer, gamma: Float) {
        self.gamma = gamma
        super.init(optimizer)
    }

    override func rate(base: Float, epoch: Int) -> Float { base * powf(gamma, Float(epoch)) }
}

/// Cosine annealing from the base rate to `minimumRate` over `period` epochs (PyTorch's CosineAnnealingLR):
/// rate = minimumRate + (base - minimumRate) * (1 + cos(pi * epoch / period)) / 2. As in PyTorch the cosine goes on
/// past `period` and climbs back to the base rate at 2 * period; set `period` to the number of epochs to end at the minimum.
public final class CosineAnnealingLR: EpochScheduler {
    public let period: Int, minimumRate: Float

    public init(_ optimizer: Optimizer, period: Int, minimumRate: Float = 0) {
        self.period = max(1, period); self.minimumRate = minimumRate
        super.init(optimizer)
    }

    override func rate(base: Float, epoch: Int) -> Float {
        minimumRate + (base - minimumRate) * (1 + cosf(Float.pi * Float(epoch) / Float(period))) / 2
    }
}

/// Divides the rate by 1/`factor` when the watched metric has not improved for `patience` epochs.
public final class ReduceLROnPlateau: LearningRateScheduler {
    private let optimizer: Optimizer
    public let factor: Float, patience: Int, threshold: Float, minimumRate: Float, cooldown: Int
    public private(set) var best = Float.infinity
    private var badEpochs = 0, cooldownLeft = 0

    public init(
        _ optimizer: Optimizer, factor: Float = 0.1, patience: Int = 10, threshold: Float = 1e-4,
        cooldown: Int = 0, minimumRate: Float = 0
    ) {
        self.optimizer = optimizer; self.factor = factor; self.patience = patience
        self.threshold = threshold; self.cooldown = cooldown; self.minimumRate = minimumRate
    }

    /// `metric` is required: lower is better (a loss).
    public func step(metric: Float?) {
        guard let metric else { return }
        if metric < best * (1 - threshold) { best = metric; badEpochs = 0 } else { badEpochs += 1 }
        if cooldownLeft > 0 { cooldownLeft -= 1; badEpochs = 0 }
        if badEpochs > patience {
            for group in optimizer.parameterGroups { group.learningRate = max(group.learningRate * factor, minimumRate) }
            cooldownLeft = cooldown
            badEpochs = 0
        }
    }
}
