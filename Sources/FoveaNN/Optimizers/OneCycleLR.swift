import Foundation

/// The 1cycle policy (Smith & Topin; PyTorch's OneCycleLR, stepped once per batch): over `totalSteps` steps the rate
/// rises from `maxLearningRate / divFactor` to `maxLearningRate` in the first `pctStart` of the steps, then falls to
/// `maxLearningRate / divFactor / finalDivFactor`, both along a cosine (or linearly with `annealing: .linear`).
/// Every parameter group follows the same rates. Steps past the last keep the final rate. Unlike PyTorch's default
/// it leaves momentum alone (PyTorch's `cycle_momentum=False`).
public final class OneCycleLR: EpochScheduler {
    /// How the rate moves between the two ends of a phase.
    public enum Annealing: Sendable { case cosine, linear }

    /// The peak rate, the steps of the whole cycle and the fraction of them spent rising.
    public let maxLearningRate: Float, totalSteps: Int, pctStart: Float
    /// The cycle starts at `maxLearningRate / divFactor` and ends `finalDivFactor` times lower still.
    public let divFactor: Float, finalDivFactor: Float
    public let annealing: Annealing

    public init(
        _ optimizer: Optimizer, maxLearningRate: Float, totalSteps: Int, pctStart: Float = 0.3,
        annealing: Annealing = .cosine, divFactor: Float = 25, finalDivFactor: Float = 1e4
    ) {
        self.maxLearningRate = maxLearningRate; self.totalSteps = max(2, totalSteps); self.pctStart = pctStart
        self.annealing = annealing; self.divFactor = divFactor; self.finalDivFactor = finalDivFactor
        super.init(optimizer)
    }

    override func rate(base: Float, epoch: Int) -> Float {
        let initial = maxLearningRate / divFactor, final = initial / finalDivFactor
        let step = Float(min(epoch, totalSteps - 1))
        let peak = pctStart * Float(totalSteps) - 1
        if step <= peak { return anneal(from: initial, to: maxLearningRate, fraction: peak > 0 ? step / peak : 1) }
        return anneal(from: maxLearningRate, to: final, fraction: (step - peak) / (Float(totalSteps - 1) - peak))
    }

    private func anneal(from start: Float, to end: Float, fraction: Float) -> Float {
        switch annealing {
        case .cosine: return end + (start - end) / 2 * (cosf(Float.pi * fraction) + 1)
        case .linear: return start + (end - start) * fraction
        }
    }
}
