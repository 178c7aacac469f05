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
        #expect(allClose(plain, [0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125]), "\(plain)")
        let cooled = rates({ ReduceLROnPlateau($0, factor: 0.5, patience: 1, cooldown: 2, minimumRate: 0.02) }, metrics: losses)
        #expect(allClose(cooled, [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.025, 0.02]), "\(cooled)")
    }

    @Test func schedulersScaleEveryGroupFromItsOwnBaseRate() {
        let optimizer = SGD(groups: [ParameterGroup([Parameter(try! Tensor([0]))], learningRate: 0.1),
                                     ParameterGroup([Parameter(try! Tensor([0]))], learningRate: 0.02)])
        let schedule = StepLR(optimizer, stepSize: 1, gamma: 0.5)
        schedule.step(metric: nil)
        schedule.step(metric: nil)
        #expect(allClose(optimizer.parameterGroups.map(\.learningRate), [0.025, 0.005]))
    }
}
