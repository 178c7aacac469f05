import FoveaCore
import FoveaTestSupport
import Testing

@Suite struct ReductionTests {
    @Test(arguments: testDevices)
    func reductionsMatchHandComputedValues(device: Device) throws {
        let x = try Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3], device: device)
        let total = try x.sum()
        #expect(total.shape == [])
        #expect(try total.item() == 21)
        #expect(try x.sum(axes: [0]).toArray() == [5, 7, 9])
        #expect(try x.sum(axes: [1]).toArray() == [6, 15])
        let kept = try x.sum(axes: [-1], keepDims: true)
        #expect(kept.shape == [2, 1])
        #expect(try kept.toArray() == [6, 15])
        #expect(try x.sum(axes: [0, 1], keepDims: true).shape == [1, 1])
        #expect(try x.mean().item() == 3.5)
        #expect(try x.mean(axes: [0]).toArray() == [2.5, 3.5, 4.5])
        #expect(try x.max().item() == 6)
        #expect(try x.max(axes: [1]).toArray() == [3, 6])
        #expect(try x.min().item() == 1)
        #expect(try x.min(axes: [0]).toArray() == [1, 2, 3])
        #expect(try x.sum(axes: []).toArray() == [1, 2, 3, 4, 5, 6])

        let cube = try Tensor.arange(0, 24, device: device).reshaped(2, 3, 4)
        // Over axes 0 and 2: for row j, sum of 4j..4j+3 and 12+4j..12+4j+3.
        #expect(try cube.sum(axes: [0, 2]).toArray() == [60, 92, 124])
        #expect(try cube.max(axes: [2, 0]).toArray() == [15, 19, 23])
        #expect(try cube.mean(axes: [1, 2]).toArray() == [5.5, 17.5])
        #expect(try cube.min(axes: [0, 1], keepDims: true).toArray() == [0, 1, 2, 3])
    }

    @Test(arguments: testDevices)
    func argmaxTakesTheFirstLargestAsInt32(device: Device) throws {
        let x = try Tensor([1, 5, 5, 7, 0, 2], shape: [2, 3], device: device)
        #expect(try x.argmax(axis: 1).dtype == .int32)
        #expect(try x.argmax(axis: 1).toInt32Array() == [1, 0])
        #expect(try x.argmax(axis: -1).shape == [2])
        let columns = try x.argmax(axis: 0, keepDims: true)
        #expect(columns.shape == [1, 3])
        #expect(try columns.toInt32Array() == [1, 0, 0])
        let long = try Tensor((0..<1000).map { Float($0 == 637 || $0 == 901 ? 9 : ($0 % 7)) }, device: device)
        #expect(try long.argmax(axis: 0).toInt32Array() == [637])
    }

    @Test(arguments: testDevices)
    func longAxesSumExactly(device: Device) throws {
        #expect(try Tensor.ones([100_000], device: device).sum().item() == 100_000)
        #expect(try Tensor.ones([3, 100_000], device: device).sum(axes: [1]).toArray() == [100_000, 100_000, 100_000])
        #expect(try Tensor.ones([100_000, 3], device: device).mean(axes: [0]).toArray() == [1, 1, 1])
        let ramp = try Tensor.arange(0, 70_000, device: device)
        #expect(try ramp.max().item() == 69_999)
        #expect(try ramp.min().item() == 0)
        #expect(try ramp.neg().argmax(axis: 0).toInt32Array() == [0])
    }

    @Test(arguments: openCLTestDevices)
    func reductionsAgreeAcrossBackends(device: Device) throws {
        let x = try testTensor([7, 3, 5, 2], device: .cpu, seed: 5)
        let axesList: [[Int]?] = [nil, [0, 2], [1, 2], [0, 1, 2, 3], [-1], [0], [3, 0], [1, 3]]
        for axes in axesList {
            for keepDims in [false, true] {
                let label = "axes \(axes.map(String.init(describing:)) ?? "all") keepDims \(keepDims)"
                try expectBackendsAgree([x], on: device, "sum \(label)") { try $0[0].sum(axes: axes, keepDims: keepDims) }
                try expectBackendsAgree([x], on: device, "mean \(label)") { try $0[0].mean(axes: axes, keepDims: keepDims) }
                try expectBackendsAgree([x], on: device, "max \(label)") { try $0[0].max(axes: axes, keepDims: keepDims) }
                try expectBackendsAgree([x], on: device, "min \(label)") { try $0[0].min(axes: axes, keepDims: keepDims) }
            }
        }
        for axis in 0..<4 {
            try expectBackendsAgree([x], on: device, "argmax \(axis)") { try $0[0].argmax(axis: axis) }
        }
        // Long axes take the work-group tree path (and partial passes when few outputs share them).
        let shapes: [(Shape, [Int])] = [
            ([100_003], [0]), ([3, 20_001], [1]), ([20_001, 3], [0]), ([5, 300, 7], [1]), ([1, 1000, 1], [1]),
        ]
        for (shape, axes) in shapes {
            let y = try testTensor(shape, device: .cpu, seed: 6, low: 0, high: 1)
            for op in ["sum", "mean", "max", "min", "argmax"] {
                try expectBackendsAgree([y], on: device, atol: 1e-3, "\(op) \(shape) over \(axes)") { t in
                    switch op {
                    case "sum": return try t[0].sum(axes: axes)
                    case "mean": return try t[0].mean(axes: axes)
                    case "max": return try t[0].max(axes: axes)
                    case "min": return try t[0].min(axes: axes)
                    default: return try t[0].argmax(axis: axes[0])
                    }
                }
            }
        }
    }

    @Test(arguments: testDevices)
    func reductionGradients(device: Device) throws {
        let x = try testTensor([3, 2, 4, 2], device: device, seed: 8)
        for axes in [nil, [0, 2], [1], [-1, 0]] as [[Int]?] {
            for keepDims in [false, true] {
                let sum = try gradientCheck([x]) { try $0[0].sum(axes: axes, keepDims: keepDims) }
                #expect(sum.worstError < 1e-2, "sum \(String(describing: axes)): \(sum)")
                let mean = try gradientCheck([x]) { try $0[0].mean(axes: axes, keepDims: keepDims) }
                #expect(mean.worstError < 1e-2, "mean \(String(describing: axes)): \(mean)")
            }
        }
        let distinct = try tensorOfDistinctValues([3, 2, 4, 2], device: device)
        for axes in [nil, [0, 2], [3]] as [[Int]?] {
            let max = try gradientCheck([distinct]) { try $0[0].max(axes: axes) }
            #expect(max.worstError < 1e-2, "max \(String(describing: axes)): \(max)")
            let min = try gradientCheck([distinct]) { try $0[0].min(axes: axes, keepDims: true) }
            #expect(min.worstError < 1e-2, "min \(String(describing: axes)): \(min)")
        }
    }

    @Test(arguments: testDevices)
    func maxSplitsTheGradientAmongTies(device: Device) throws {
        let x = try Tensor([1, 3, 3, 2, 2, 0], shape: [2, 3], device: device, requiresGrad: true)
        try x.max(axes: [1]).sum().backward()
        #expect(try x.grad!.toArray() == [0, 0.5, 0.5, 0.5, 0.5, 0])
        x.zeroGrad()
        try x.min().backward()
        #expect(try x.grad!.toArray() == [0, 0, 0, 0, 0, 1])
    }

    @Test(arguments: testDevices)
    func badAxesThrow(device: Device) throws {
        let x = try Tensor.zeros([2, 3], device: device)
        #expect(throws: FoveaError.invalidArgument("sum: axis 2 is out of range for shape [2, 3]")) { try x.sum(axes: [2]) }
        #expect(throws: FoveaError.invalidArgument("mean: axes [1, -1] repeat an axis of shape [2, 3]")) {
            try x.mean(axes: [1, -1])
        }
        #expect(throws: FoveaError.invalidArgument("max: cannot reduce an empty axis of shape [0, 3]")) {
            try Tensor.zeros([0, 3], device: device).max(axes: [0])
        }
        #expect(throws: FoveaError.invalidArgument("argmax: axis -3 is out of range for shape [2, 3]")) { try x.argmax(axis: -3) }
    }
}
