import Foundation
import FoveaCore
import FoveaNN
import FoveaTestSupport
import Testing

/// Initializers' bounds and spreads on large tensors, and PyTorch's default Dense/Conv2D initialization.
@Suite struct InitializerTests {
    static let shape: Shape = [64, 32, 3, 3]  // fanIn 288, fanOut 576

    func statistics(_ values: [Float]) -> (maxAbs: Float, mean: Float, std: Float) {
        let mean = values.reduce(0, +) / Float(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(values.count)
        return (values.map(abs).max() ?? 0, mean, variance.squareRoot())
    }

    @Test func fansFollowPyTorch() {
        #expect(Initializer.fans(Self.shape) == (288, 576))
        #expect(Initializer.fans([10, 20]) == (20, 10))
    }

    @Test(arguments: testDevices)
    func uniformInitializersStayWithinTheirBounds(device: Device) throws {
        let cases: [(String, Initializer, Float)] = [
            ("he uniform", .heUniform(), (6 / Float(288)).squareRoot()),
            ("xavier uniform", .xavierUniform, (6 / Float(288 + 576)).squareRoot()),
            ("lecun uniform", .lecunUniform, (3 / Float(288)).squareRoot()),
            ("pytorch default", .pytorchDefault, 1 / Float(288).squareRoot()),
        ]
        for (name, initializer, bound) in cases {
            let tensor = try initializer.make(Self.shape, device: device, generator: Generator(seed: 5))
            #expect(tensor.device == device)
            let (maxAbs, mean, std) = statistics(try tensor.toArray())
            #expect(maxAbs <= bound && maxAbs > 0.99 * bound, "\(name): max |x| \(maxAbs), bound \(bound)")
            #expect(abs(mean) < 0.02 * bound, "\(name): mean \(mean)")
            #expect(abs(std - bound / Float(3).squareRoot()) < 0.02 * bound, "\(name): std \(std)")
        }
    }

    @Test(arguments: testDevices)
    func normalInitializersHaveTheirStandardDeviations(device: Device) throws {
        let cases: [(String, Initializer, Float)] = [
            ("he normal", .heNormal(), (2 / Float(288)).squareRoot()),
            ("xavier normal", .xavierNormal, (2 / Float(288 + 576)).squareRoot()),
            ("lecun normal", .lecunNormal, 1 / Float(288).squareRoot()),
            ("normal", .normal(mean: 0.5, std: 0.1), 0.1),
        ]
        for (name, initializer, expected) in cases {
            let (_, mean, std) = statistics(
                try initializer.make(Self.shape, device: device, generator: Generator(seed: 6)).toArray())
            #expect(abs(std - expected) < 0.02 * expected, "\(name): std \(std), expected \(expected)")
            #expect(abs(mean - (name == "normal" ? 0.5 : 0)) < 0.02 * expected, "\(name): mean \(mean)")
        }
        #expect(try Initializer.constant(0.25).make([3], device: device).toArray() == [0.25, 0.25, 0.25])
        #expect(try Initializer.zeros.make([2], device: device).toArray() == [0, 0])
        #expect(try Initializer.ones.make([2], device: device).toArray() == [1, 1])
    }

    @Test func denseAndConvolutionDefaultToPyTorchsBounds() throws {
        let dense = Dense(400, 300)
        let denseBound = 1 / Float(400).squareRoot()
        for (name, values) in [("weight", try dense.weight.value.toArray()), ("bias", try dense.bias!.value.toArray())] {
            let maxAbs = statistics(values).maxAbs
            #expect(maxAbs <= denseBound && maxAbs > 0.95 * denseBound, "Dense \(name): \(maxAbs) vs \(denseBound)")
        }
        let conv = Conv2D(16, 400, kernelSize: 3, groups: 2)
        let convBound = 1 / Float(8 * 9).squareRoot()  // fanIn counts the channels of one group
        for (name, values) in [("weight", try conv.weight.value.toArray()), ("bias", try conv.bias!.value.toArray())] {
            let maxAbs = statistics(values).maxAbs
            #expect(maxAbs <= convBound && maxAbs > 0.95 * convBound, "Conv2D \(name): \(maxAbs) vs \(convBound)")
        }
        let custom = Dense(10, 4, weightInitializer: .zeros, biasInitializer: .constant(0.5))
        #expect(try custom.weight.value.toArray().allSatisfy { $0 == 0 })
        #expect(try custom.bias!.value.toArray() == [0.5, 0.5, 0.5, 0.5])
    }
}
