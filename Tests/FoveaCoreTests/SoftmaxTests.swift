import FoveaCore
import FoveaTestSupport
import Testing

@Suite struct SoftmaxTests {
    @Test(arguments: testDevices)
    func softmaxMatchesHandComputedValues(device: Device) throws {
        let y = try Tensor([1, 2, 3], device: device).softmax()
        try expectValues(y, [0.09003057, 0.24472847, 0.66524096])
        #expect(abs(try y.sum().item() - 1) < 1e-6)
        try expectValues(Tensor([1, 2, 3], device: device).logSoftmax(), [-2.40760596, -1.40760596, -0.40760596])
    }

    @Test(arguments: testDevices)
    func largeLogitsDoNotOverflow(device: Device) throws {
        let x = try Tensor([1000, 1001, -1000, -1001], shape: [2, 2], device: device)
        try expectValues(x.softmax(), [0.26894142, 0.73105858, 0.73105858, 0.26894142])
        try expectValues(x.logSoftmax(), [-1.31326169, -0.31326169, -0.31326169, -1.31326169])
    }

    @Test(arguments: testDevices)
    func softmaxAlongAnyAxisSumsToOne(device: Device) throws {
        let x = try Tensor([1, 2, 3, 1, 2, 3], shape: [3, 2], device: device)
        // Axis 0 pairs columns (1, 3, 2) and (2, 1, 3).
        try expectValues(x.softmax(axis: 0), [0.09003057, 0.24472847, 0.66524096, 0.09003057, 0.24472847, 0.66524096])
        let z = try testTensor([4, 7, 5], device: device, seed: 3, low: -5, high: 5)
        for axis in [0, 1, 2, -1] {
            let sums = try z.softmax(axis: axis).sum(axes: [axis]).toArray()
            #expect(sums.allSatisfy { abs($0 - 1) < 1e-5 }, "axis \(axis): \(sums)")
        }
        #expect(throws: FoveaError.invalidArgument("softmax: axis 3 is out of range for shape [4, 7, 5]")) {
            try z.softmax(axis: 3)
        }
    }

    @Test(arguments: openCLTestDevices)
    func softmaxAgreesAcrossBackends(device: Device) throws {
        let cases: [(Shape, Int)] = [
            ([7, 3], 1), ([4, 7, 5], 1), ([4, 7, 5], 0), ([1, 1000], 1), ([3, 257], -1), ([16, 1, 3], 1),
        ]
        for (shape, axis) in cases {
            let x = try testTensor(shape, device: .cpu, seed: 4, low: -8, high: 8)
            let g = try testTensor(shape, device: .cpu, seed: 5)
            for log in [false, true] {
                let label = "\(log ? "logSoftmax" : "softmax") \(shape) axis \(axis)"
                try expectBackendsAgree([x], on: device, label) { t in
                    try log ? t[0].logSoftmax(axis: axis) : t[0].softmax(axis: axis)
                }
                try expectBackendsAgree([x, g], on: device, "\(label) backward") { t in
                    let leaf = t[0].detach()
                    leaf.requiresGrad = true
                    let y = try log ? leaf.logSoftmax(axis: axis) : leaf.softmax(axis: axis)
                    try y.backward(t[1])
                    return try #require(leaf.grad)
                }
            }
        }
    }

    @Test(arguments: testDevices)
    func softmaxGradients(device: Device) throws {
        let cases: [(Shape, Int)] = [([3, 5], -1), ([3, 4, 2], 1), ([3, 4, 2], 0), ([2, 100], 1)]
        for (shape, axis) in cases {
            let x = try testTensor(shape, device: device, seed: 6, low: -2, high: 2)
            let soft = try gradientCheck([x]) { try $0[0].softmax(axis: axis) }
            #expect(soft.worstError < 1e-2, "softmax \(shape) axis \(axis): \(soft)")
            let log = try gradientCheck([x]) { try $0[0].logSoftmax(axis: axis) }
            #expect(log.worstError < 1e-2, "logSoftmax \(shape) axis \(axis): \(log)")
        }
    }
}
