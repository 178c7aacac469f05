import Fovea
import FoveaTestSupport
import Testing

/// A forecaster's scores in the series' units, from windows measured from zero or from their last value.
@Suite struct ForecastScoresTests {
    /// Predicts `value` (standardized) for every window.
    final class ConstantForecast: Module, UnaryLayer {
        let value: Float
        init(_ value: Float) { self.value = value; super.init() }
        func forward(_ input: Tensor) throws -> Tensor {
            try Tensor.full([input.shape[0], 1], value: value, device: input.device)
        }
    }

    /// Values 0, 2, ..., 38 (training mean 11); the test windows' last values are 28, 30, 32, 34 and their targets,
    /// two steps later, 32, 34, 36, 38: the naive forecast misses each by 4.
    static func testWindows(relative: Bool) throws -> SeriesWindows {
        try TimeSeries((0..<20).map { Float($0 * 2) }).split(
            window: 3, horizon: 2, validationFraction: 0.2, testFraction: 0.2,
            relative: relative
        ).test
    }

    @Test func anAbsoluteModelsOutputIsTheStandardizedForecast() throws {
        let windows = try Self.testWindows(relative: false)
        // Output 0 is the training mean, 11: errors 21, 23, 25, 27.
        let scores = try ForecastScores(model: ConstantForecast(0), windows: windows, device: .cpu)
        #expect(abs(scores.mae - 24) < 1e-3 && abs(scores.rmse - Float(581).squareRoot()) < 1e-3)
        #expect(abs(scores.naiveMAE - 4) < 1e-3 && abs(scores.naiveRMSE - 4) < 1e-3)
    }

    @Test func aRelativeModelsOutputIsAddedToTheWindowsLastValue() throws {
        let windows = try Self.testWindows(relative: true)
        let still = try ForecastScores(model: ConstantForecast(0), windows: windows, device: .cpu)
        #expect(still.rmse == still.naiveRMSE && still.mae == still.naiveMAE && abs(still.naiveRMSE - 4) < 1e-3)
        // A change of 4 (in standardized units) from each last value hits every target.
        let exact = try ForecastScores(model: ConstantForecast(4 / windows.standardDeviation), windows: windows, device: .cpu)
        #expect(exact.rmse < 1e-3 && exact.mae < 1e-3 && abs(exact.naiveMAE - 4) < 1e-3)
    }
}
