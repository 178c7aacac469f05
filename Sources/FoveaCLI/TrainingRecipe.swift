import Foundation
import Fovea

/// The recipe parts `fovea train` builds from its settings: epochs, learning-rate schedule, optimizer, penalties and
/// augmentation.
extension TrainingRun {
    /// Ten epochs, or for small data sets (Iris: 4 batches an epoch) enough epochs for about 800 steps, at most 200.
    static func defaultEpochs(trainingSamples: Int, batchSize: Int) -> Int {
        let batches = max(1, (trainingSamples + batchSize - 1) / batchSize)
        return max(10, min(200, (800 + batches - 1) / batches))
    }

    /// The per-epoch learning-rate schedule chosen by `--lr-schedule` after `--warmup-epochs` of warm-up (nil for none).
    static func makeScheduler(_ settings: TrainingSettings, epochs: Int, optimizer: Optimizer) -> LearningRateScheduler? {
        let warmup = settings.warmupEpochs, rest = epochs - settings.warmupEpochs
        let schedule: EpochScheduler?
        switch settings.lrSchedule {
        case "cosine": schedule = CosineAnnealingLR(optimizer, period: rest)
        case "step": schedule = StepLR(optimizer, stepSize: max(1, rest / 3), gamma: 0.1)
        case "plateau": return ReduceLROnPlateau(optimizer, factor: 0.1, patience: 2)
        default: schedule = nil
        }
        return warmup > 0 ? WarmupLR(optimizer, steps: warmup, then: schedule) : schedule
    }

    /// The optimizer `settings` choose, over `groups` (their learning rates set; their weight decay is set here).
    static func makeOptimizer(_ settings: TrainingSettings, groups: [ParameterGroup]) throws -> Optimizer {
        let decay = settings.optimizer == "adamw" && settings.weightDecay == 0 ? 0.01 : settings.weightDecay
        for group in groups { group.weightDecay = decay }
        switch settings.optimizer {
        case "sgd": return SGD(groups: groups, momentum: settings.momentum)
        case "adam": return Adam(groups: groups)
        case "adamw": return AdamW(groups: groups)
        case "rmsprop": return RMSProp(groups: groups, momentum: settings.momentum == 0.9 ? 0 : settings.momentum)
        case "adagrad": return Adagrad(groups: groups)
        default:
            throw FoveaError.invalidArgument(
                "--optimizer \(settings.optimizer): use \(TrainingSettings.optimizers.joined(separator: ", "))")
        }
    }

    /// The L1 and L2 penalties on the weights (parameters of rank 2 and more), added to each batch's loss.
    static func penalty(l1: Float, l2: Float) -> ([Parameter]) throws -> Tensor {
        { parameters in
            let weights = parameters.filter { $0.shape.rank > 1 }
            switch (l1 > 0, l2 > 0) {
            case (true, true): return try Penalty.l1(weights, lambda: l1) + Penalty.l2(weights, lambda: l2)
            case (true, false): return try Penalty.l1(weights, lambda: l1)
            default: return try Penalty.l2(weights, lambda: l2)
            }
        }
    }

    /// Flips and padded crops for colour images; small padded crops (shifts) for grayscale digits and clothes.
    static func augmentation(for shape: Shape) -> [any Transform] {
        shape.rank == 3 && shape[0] == 3
            ? [RandomHorizontalFlip(), RandomCrop(padding: 4)] : (shape.rank == 3 ? [RandomCrop(padding: 2)] : [])
    }
}
