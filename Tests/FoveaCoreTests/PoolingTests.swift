import Foundation
import FoveaCore
import FoveaTestSupport
import Testing

/// Direct pooling on the host with PyTorch's padding semantics, the reference for every backend.
private func referencePool2d(_ kind: PoolKind, _ x: [Float], _ shape: [Int], kernel: Size2D, stride: Size2D, padding: Size2D)
    -> [Float]
{
    let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
    let oh = (h + 2 * padding.height - kernel.height) / stride.height + 1
    let ow = (w + 2 * padding.width - kernel.width) / stride.width + 1
    var y: [Float] = []
    for p in 0..<planes {
        for i in 0..<oh {
            for j in 0..<ow {
                var window: [Float] = []
                for a in 0..<kernel.height {
                    for b in 0..<kernel.width {
                        let r = i * stride.height - padding.height + a, c = j * stride.width - padding.width + b
                        if r >= 0, r < h, c >= 0, c < w { window.append(x[(p * h + r) * w + c]) }
                    }
                }
                switch kind {
                case .max: y.append(window.max()!)
                case .min: y.append(window.min()!)
                case .sum: y.append(window.reduce(0, +))
                case .average: y.append(window.reduce(0, +) / Float(kernel.height * kernel.width))
                case .l2: y.append(window.reduce(0) { $0 + $1 * $1 }.squareRoot())
                }
            }
        }
    }
    return y
}

/// Distinct values 0.1 apart in a scrambled order: no ties and no kinks within a finite-difference step.
private func distinctValues(_ shape: Shape, device: Device, seed: UInt64) throws -> Tensor {
    let order = testValues(shape.count, seed: seed).enumerated().sorted { $0.element < $1.element }.map(\.offset)
    var values = [Float](repeating: 0, count: shape.count)
    for (rank, index) in order.enumerated() { values[index] = Float(rank) * 0.1 - Float(shape.count) * 0.05 }
    return try Tensor(values, shape: shape, device: device)
}

@Suite struct PoolingTests {
    @Test(arguments: testDevices)
    func maxPoolSeedExamples(device: Device) throws {
        let a = try Tensor([1, 1, 2, 4, 5, 6, 7, 8, 3, 2, 1, 0, 1, 2, 3, 4], shape: [1, 1, 4, 4], device: device)
        #expect(try a.maxPool2d(kernel: 2).toArray() == [6, 8, 3, 4])
        #expect(try a.maxPool2d(kernel: 2, stride: 2).shape == [1, 1, 2, 2])
        #expect(try a.maxPool2d(kernel: 2, stride: 1).toArray() == [6, 7, 8, 6, 7, 8, 3, 3, 4])
        let b = try Tensor([1, 2, 5, 3, 3, 0, 1, 2, 2, 1, 3, 4, 1, 1, 2, 0], shape: [1, 1, 4, 4], device: device)
        #expect(try b.maxPool2d(kernel: 2, stride: 2).toArray() == [3, 5, 2, 4])
    }

    @Test(arguments: testDevices)
    func otherKindsHandComputed(device: Device) throws {
        let a = try Tensor([1, 1, 2, 4, 5, 6, 7, 8, 3, 2, 1, 0, 1, 2, 3, 4], shape: [1, 1, 4, 4], device: device)
        #expect(try a.avgPool2d(kernel: 2).toArray() == [3.25, 5.25, 2, 2])
        #expect(try a.pool2d(.sum, kernel: 2).toArray() == [13, 21, 8, 8])
        #expect(try a.pool2d(.min, kernel: 2).toArray() == [1, 2, 1, 0])
        #expect(allClose(try a.pool2d(.l2, kernel: 2).toArray(), [63, 133, 18, 26].map { Float($0).squareRoot() }))
    }

    @Test(arguments: testDevices)
    func paddingFollowsPyTorch(device: Device) throws {
        // Windows of a 3x3 input, kernel 2, stride 2, padding 1: {1}, {2, 3}, {4, 7}, {5, 6, 8, 9}.
        let x = try Tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], shape: [1, 1, 3, 3], device: device)
        #expect(try x.maxPool2d(kernel: 2, padding: 1).toArray() == [1, 3, 7, 9])
        #expect(try x.pool2d(.min, kernel: 2, padding: 1).toArray() == [1, 2, 4, 5])
        #expect(try x.avgPool2d(kernel: 2, padding: 1).toArray() == [0.25, 1.25, 2.75, 7])
        #expect(try x.pool2d(.sum, kernel: 2, padding: 1).toArray() == [1, 5, 11, 28])
        #expect(allClose(try x.pool2d(.l2, kernel: 2, padding: 1).toArray(), [1, 13, 65, 206].map { Float($0).squareRoot() }))
        // Max pads with -infinity and min with +infinity, never with 0.
        let negative = try Tensor([-1, -2, -3, -4, -5, -6, -7, -8, -9], shape: [1, 1, 3, 3], device: device)
        #expect(try negative.maxPool2d(kernel: 2, padding: 1).toArray() == [-1, -2, -4, -5])
        #expect(try negative.pool2d(.min, kernel: 2, padding: 1).toArray() == [-1, -3, -7, -9])
    }

    @Test(arguments: testDevices)
    func globalAveragePool(device: Device) throws {
        let x = try Tensor((0..<24).map(Float.init), shape: [2, 3, 2, 2], device: device)
        let y = try x.globalAvgPool2d()
        #expect(y.shape == [2, 3])
        #expect(try y.toArray() == [1.5, 5.5, 9.5, 13.5, 17.5, 21.5])
        let check = try gradientCheck([try testTensor([2, 3, 3, 2], device: device, seed: 5)]) { try $0[0].globalAvgPool2d() }
        #expect(check.worstError < 1e-2, "\(check)")
    }

    @Test(arguments: testDevices)
    func extremeGradientGoesToFirstTiedElement(device: Device) throws {
        // Overlapping 2x2 windows, stride 1, over a plane of ties: each window's gradient goes to its top-left 5.
        let x = try Tensor([5, 5, 1, 5, 5, 5, 1, 5, 5], shape: [1, 1, 3, 3], device: device, requiresGrad: true)
        try x.maxPool2d(kernel: 2, stride: 1).backward(try Tensor([1, 2, 3, 4], shape: [1, 1, 2, 2], device: device))
        #expect(try x.grad?.toArray() == [1, 2, 0, 3, 4, 0, 0, 0, 0])
        // Min windows: {1, 0 | 1, 2} -> (0, 1); {0, 0 | 2, 0} -> (0, 1) again; {1, 2 | 3, 3} -> (1, 0); {2, 0 | 3, 0} -> (1, 2).
        let y = try Tensor([1, 0, 0, 1, 2, 0, 3, 3, 0], shape: [1, 1, 3, 3], device: device, requiresGrad: true)
        try y.pool2d(.min, kernel: 2, stride: 1).backward(try Tensor([1, 2, 3, 4], shape: [1, 1, 2, 2], device: device))
        #expect(try y.grad?.toArray() == [0, 3, 0, 3, 0, 4, 0, 0, 0])
    }

    @Test(arguments: testDevices)
    func l2GradientIsZeroWhereTheNormIs(device: Device) throws {
        let x = try Tensor([0, 0, 0, 0, 3, 4, 0, 0], shape: [1, 2, 2, 2], device: device, requiresGrad: true)
        try x.pool2d(.l2, kernel: 2).backward(try Tensor.ones([1, 2, 1, 1], device: device))
        #expect(try x.grad?.toArray() == [0, 0, 0, 0, 0.6, 0.8, 0, 0])
    }

    /// (input shape, kernel, stride, padding): awkward shapes for cross-backend agreement.
    static let cases: [([Int], Size2D, Size2D?, Size2D)] = [
        ([1, 1, 9, 7], 3, 1, 1),
        ([7, 3, 9, 7], 2, nil, 0),
        ([2, 16, 5, 6], [3, 2], [2, 3], [1, 0]),
        ([1, 3, 8, 9], 5, 3, 2),
        ([3, 1, 6, 5], 1, 2, 0),
    ]

    @Test(arguments: PoolKind.allCases, Self.cases.indices)
    func backendsMatchReferenceOnAwkwardShapes(kind: PoolKind, index: Int) throws {
        let (shape, kernel, stride, padding) = Self.cases[index]
        var outputs: [[Float]] = []
        for device in testDevices {
            let x = try testTensor(Shape(shape), device: device, seed: 7)
            let y = try x.pool2d(kind, kernel: kernel, stride: stride, padding: padding)
            let expected = referencePool2d(
                kind, try x.toArray(), shape, kernel: kernel, stride: stride ?? kernel, padding: padding)
            let values = try y.toArray()
            #expect(allClose(values, expected), "\(kind) case \(index) on \(device): \(maxAbsDifference(values, expected))")
            outputs.append(values)
        }
        if outputs.count == 2 { #expect(allClose(outputs[0], outputs[1]), "\(kind) case \(index): CPU and OpenCL differ") }
    }

    @Test(arguments: testDevices, PoolKind.allCases)
    func gradients(device: Device, kind: PoolKind) throws {
        let configurations: [([Int], Size2D, Size2D?, Size2D)] = [
            ([2, 2, 4, 4], 2, nil, 0),
            ([1, 2, 5, 6], 3, 1, 1),
            ([2, 1, 7, 5], [3, 2], [2, 3], [1, 1]),
        ]
        for (shape, kernel, stride, padding) in configurations {
            let x = try distinctValues(Shape(shape), device: device, seed: 9)
            let check = try gradientCheck([x]) { try $0[0].pool2d(kind, kernel: kernel, stride: stride, padding: padding) }
            #expect(
                check.worstError < 1e-2,
                "\(kind) \(shape) kernel \(kernel) stride \(String(describing: stride)) padding \(padding): \(check)")
        }
    }

    @Test(arguments: testDevices)
    func invalidArgumentsThrow(device: Device) throws {
        let x = try Tensor.zeros([1, 2, 4, 4], device: device)
        #expect(throws: FoveaError.self) { try Tensor.zeros([2, 4, 4], device: device).maxPool2d(kernel: 2) }
        #expect(throws: FoveaError.self) { try x.maxPool2d(kernel: 2, padding: 2) }
        #expect(throws: FoveaError.self) { try x.maxPool2d(kernel: 0) }
        #expect(throws: FoveaError.self) { try x.avgPool2d(kernel: 2, stride: 0) }
        do {
            _ = try x.pool2d(.sum, kernel: [7, 2], padding: 1)
            Issue.record("a kernel larger than the padded input must throw")
        } catch {
            #expect("\(error)".contains("[1, 2, 4, 4]") && "\(error)".contains("7x2"), "\(error)")
        }
    }
}
