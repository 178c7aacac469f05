import FoveaCore
import FoveaTestSupport
import Testing

@Suite struct DropoutTests {
    @Test(arguments: testDevices)
    func zeroesAboutPAndRescalesSurvivors(device: Device) throws {
        let x = try Tensor.ones([7, 1301], device: device)
        let y = try x.dropout(p: 0.25, generator: Generator(seed: 3)).toArray()
        #expect(y.allSatisfy { $0 == 0 || $0 == Float(1) / 0.75 })
        let dropped = Float(y.filter { $0 == 0 }.count) / Float(y.count)
        #expect(abs(dropped - 0.25) < 0.02)
        #expect(abs(sampleMean(y) - 1) < 0.03)
        #expect(try x.dropout(p: 0, generator: Generator(seed: 3)).toArray() == x.toArray())
    }

    @Test func maskIsIdenticalAcrossBackends() throws {
        guard testDevices.count > 1 else { return }
        let values = testValues(3 * 5 * 7, seed: 11)
        let outputs = try testDevices.map { device in
            try Tensor(values, shape: [3, 5, 7], device: device).dropout(p: 0.4, generator: Generator(seed: 77)).toArray()
        }
        #expect(outputs[0] == outputs[1])
    }

    @Test(arguments: testDevices)
    func backwardAppliesTheSameMask(device: Device) throws {
        let x = try Tensor.ones([5, 9], device: device, requiresGrad: true)
        let y = try x.dropout(p: 0.5, generator: Generator(seed: 8))
        let upstream = try testTensor([5, 9], device: device, seed: 2)
        try y.backward(upstream)
        let expected = zip(try y.toArray(), try upstream.toArray()).map { $0 * $1 }
        #expect(try x.grad!.toArray() == expected)
        let check = try gradientCheck([try testTensor([3, 7], device: device, seed: 5)]) { t in
            try t[0].dropout(p: 0.3, generator: Generator(seed: 21))
        }
        #expect(check.worstError < 1e-2, "\(check)")
    }

    @Test(arguments: testDevices)
    func rejectsProbabilityOutsideZeroToOne(device: Device) throws {
        let x = try Tensor.ones([4], device: device)
        #expect(throws: FoveaError.self) { try x.dropout(p: 1) }
        #expect(throws: FoveaError.self) { try x.dropout(p: -0.1) }
    }
}
