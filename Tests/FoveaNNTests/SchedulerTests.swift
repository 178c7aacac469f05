import FoveaCore
import FoveaNN
import FoveaTestSupport
import Testing

/// Learning-rate schedules against torch.optim.lr_scheduler (SGD with lr 0.1, one `step` per epoch).
@Suite struct SchedulerTests {
    func rates(_ scheduler: (Optimizer) -> LearningRateScheduler, metrics: [Float?]) -> [Float] {
        let optimizer = SGD([Parameter(try! Tensor([0]))], learningRate: 0.1)
        let schedule = scheduler(optimizer)
        return metrics.map { metric in
            schedule.step(metric: metric)
            return optimizer.learningRate
        }
    }

    func epochs(_ count: Int) -> [Float?] { [Float?](repeating: nil, count: count) }

    @Test func stepLR() {
        let rates = rates({ StepLR($0, stepSize: 3, gamma: 0.5) }, metrics: epochs(8))
        #expect(allClose(rates, [0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025]))
    }

    @Test func exponentialLR() {
        let rates = rates({ ExponentialLR($0, gamma: 0.9) }, metrics: epochs(5))
        #expect(allClose(rates, [0.09, 0.081, 0.0729, 0.06561, 0.059049]))
    }

    @Test func cosineAnnealingLR() {
        let rates = rates({ CosineAnnealingLR($0, period: 4, minimumRate: 0.01) }, metrics: epochs(8))
        #expect(allClose(rates, [0.086819805, 0.055, 0.023180195, 0.01, 0.023180195, 0.055, 0.086819805, 0.1]), "\(rates)")
    }

    @Test func reduceLROnPlateau() {
        let losses: [Float?] = [1.0, 0.9, 0.95, 0.92, 0.91, 0.9, 0.95, 0.89, 0.96, 0.97, 0.98, 0.99, 1.0, 1.1]
        let plain = rates({ ReduceLROnPlateau($0, factor: 0.5, patience: 2) }, metrics: losses)
        #expect(
            allClose(plain, [0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125]), "\(plain)")
        let cooled = rates({ ReduceLROnPlateau($0, factor: 0.5, patience: 1, cooldown: 2, minimumRate: 0.02) }, metrics: losses)
        #expect(
            allClose(cooled, [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.025, 0.02]), "\(cooled)")
    }

    @Test func schedulersScaleEveryGroupFromItsOwnBaseRate() {
        let optimizer = SGD(groups: [
            ParameterGroup([Parameter(try! Tensor([0]))], learningRate: 0.1),
            ParameterGroup([Parameter(try! Tensor([0]))], learningRate: 0.02),
        ])
        let schedule = StepLR(optimizer, stepSize: 1, gamma: 0.5)
        schedule.step(metric: nil)
        schedule.step(metric: nil)
        #expect(allClose(optimizer.parameterGroups.map(\.learningRate), [0.025, 0.005]))
    }

    /// The rate when the schedule is made, then after each of `count` steps.
    func trajectory(_ scheduler: (Optimizer) -> LearningRateScheduler, steps count: Int) -> [Float] {
        let optimizer = SGD([Parameter(try! Tensor([0]))], learningRate: 0.1)
        let schedule: any LearningRateScheduler = scheduler(optimizer)
        return [optimizer.learningRate]
            + (0..<count).map { _ in
                schedule.step()
                return optimizer.learningRate
            }
    }

    @Test func lambdaLRScalesTheBaseRateFromTheStart() {
        let rates = trajectory({ LambdaLR($0) { epoch in 1 / Float(epoch + 2) } }, steps: 3)
        #expect(allClose(rates, [0.05, 0.1 / 3, 0.025, 0.02]), "\(rates)")
    }

    /// PyTorch: SequentialLR([LinearLR(start_factor=0.25, total_iters=3), CosineAnnealingLR(T_max=4)], milestones=[3]).
    @Test func warmupRisesLinearlyThenHandsOverToTheSchedule() {
        let rates = trajectory({ WarmupLR($0, steps: 3, startFactor: 0.25, then: CosineAnnealingLR($0, period: 4)) }, steps: 8)
        #expect(
            allClose(rates, [0.025, 0.05, 0.075, 0.1, 0.085355339, 0.05, 0.014644661, 0, 0.014644661], atol: 1e-6), "\(rates)")
        let alone = trajectory({ WarmupLR($0, steps: 2) }, steps: 3)
        #expect(allClose(alone, [0.1 / 3, 0.2 / 3, 0.1, 0.1]), "\(alone)")
        // The warm-up scales from the schedule's own base rates, not from a rate the schedule already changed.
        let lambda = trajectory({ WarmupLR($0, steps: 1, startFactor: 0.5, then: LambdaLR($0) { _ in 0.5 }) }, steps: 2)
        #expect(allClose(lambda, [0.05, 0.05, 0.05]), "\(lambda)")
    }

    /// PyTorch's OneCycleLR(max_lr=0.1, total_steps=10) with its defaults (pct_start 0.3, cosine, div_factor 25,
    /// final_div_factor 1e4), from the formulas of torch/optim/lr_scheduler.py; steps past the end keep the last rate.
    @Test func oneCycleMatchesPyTorchsFormula() {
        let cosine = trajectory({ OneCycleLR($0, maxLearningRate: 0.1, totalSteps: 10) }, steps: 10)
        #expect(
            allClose(
                cosine,
                [
                    0.004, 0.052, 0.1, 0.0950484632, 0.0811745654, 0.0611262022, 0.0388741978, 0.0188258346,
                    0.0049519368, 4e-7, 4e-7,
                ], atol: 1e-7), "\(cosine)")
        let linear = trajectory({ OneCycleLR($0, maxLearningRate: 0.1, totalSteps: 10, annealing: .linear) }, steps: 9)
        #expect(
            allClose(
                linear,
                [
                    0.004, 0.052, 0.1, 0.0857143429, 0.0714286857, 0.0571430286, 0.0428573714, 0.0285717143,
                    0.0142860571, 4e-7,
                ], atol: 1e-7), "\(linear)")
        let early = trajectory({ OneCycleLR($0, maxLearningRate: 0.1, totalSteps: 20, pctStart: 0.25) }, steps: 5)
        #expect(allClose(early, [0.004, 0.0180588745, 0.052, 0.0859411255, 0.1, 0.0989073844], atol: 1e-7), "\(early)")
    }
}
