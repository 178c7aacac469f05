import FoveaCore
import FoveaTestSupport
import Testing

/// Direct (six nested loops) convolution on the host, the reference for every backend. `padTop`/`padLeft` pad above and
/// to the left; the output size decides how much is padded below and to the right.
private func referenceConv2d(
    _ x: [Float], _ xShape: [Int], _ w: [Float], _ wShape: [Int], bias: [Float]?,
    stride: (Int, Int), padTop: Int, padLeft: Int, dilation: (Int, Int), groups: Int,
    output: (Int, Int)
) -> [Float] {
    let (n, c, h, wd) = (xShape[0], xShape[1], xShape[2], xShape[3])
    let (oc, cg, kh, kw) = (wShape[0], wShape[1], wShape[2], wShape[3])
    let ocg = oc / groups
    var y = [Float](repeating: 0, count: n * oc * output.0 * output.1)
    for b in 0..<n {
        for o in 0..<oc {
            for oy in 0..<output.0 {
                for ox in 0..<output.1 {
                    var acc = bias?[o] ?? 0
                    for ci in 0..<cg {
                        for i in 0..<kh {
                            for j in 0..<kw {
                                let iy = oy * stride.0 - padTop + i * dilation.0, ix = ox * stride.1 - padLeft + j * dilation.1
                                guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                                let channel = (o / ocg) * cg + ci
                                acc += x[((b * c + channel) * h + iy) * wd + ix] * w[((o * cg + ci) * kh + i) * kw + j]
                            }
                        }
                    }
                    y[((b * oc + o) * output.0 + oy) * output.1 + ox] = acc
                }
            }
        }
    }
    return y
}

@Suite struct ConvolutionTests {
    @Test(arguments: testDevices)
    func binaryImageSeedExample(device: Device) throws {
        let image: [Float] = [
            1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0,
            1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0,
        ]
        let x = try Tensor(image, shape: [1, 1, 6, 6], device: device)
        let filter = try Tensor([1, -1, -1, -1, 1, -1, -1, -1, 1], shape: [1, 1, 3, 3], device: device)
        let y = try x.conv2d(weight: filter)
        #expect(y.shape == [1, 1, 4, 4])
        #expect(try y.toArray() == [3, -1, -3, -1, -3, 1, 0, -3, -3, -3, 0, 1, 3, -2, -2, -1])
    }

    @Test(arguments: testDevices)
    func rgbSeedExampleWithPaddingAndBias(device: Device) throws {
        // 5x5 per channel: the course's top-left 2x2 patches, the rest filled with other values.
        let corners: [[Float]] = [[156, 155, 153, 154], [167, 166, 164, 165], [163, 162, 160, 161]]
        var values = testValues(3 * 25, seed: 3, low: 0, high: 255)
        for (channel, corner) in corners.enumerated() {
            for (k, v) in corner.enumerated() { values[channel * 25 + (k / 2) * 5 + k % 2] = v }
        }
        let x = try Tensor(values, shape: [1, 3, 5, 5], device: device)
        let weight = try Tensor(
            [
                -1, -1, 1, 0, 1, -1, 0, 1, 1,
                1, 0, 0, 1, -1, -1, 1, 0, -1,
                0, 1, 1, 0, 1, 0, 1, -1, 1,
            ], shape: [1, 3, 3, 3], device: device)
        let bias = try Tensor([1], shape: [1], device: device)
        let y = try x.conv2d(weight: weight, bias: bias, padding: 1)
        #expect(y.shape == [1, 1, 5, 5])
        #expect(try y.toArray()[0] == -25)
    }

    @Test(arguments: testDevices)
    func outputSizes(device: Device) throws {
        let w5 = try Tensor.zeros([2, 1, 5, 5], device: device)
        #expect(try Tensor.zeros([1, 1, 28, 28], device: device).conv2d(weight: w5, padding: 2).shape == [1, 2, 28, 28])
        #expect(try Tensor.zeros([1, 1, 14, 14], device: device).conv2d(weight: w5).shape == [1, 2, 10, 10])
        #expect(try Tensor.zeros([1, 1, 14, 14], device: device).conv2d(weight: w5, padding: .same).shape == [1, 2, 14, 14])
        #expect(
            try Tensor.zeros([3, 1, 9, 7], device: device).conv2d(weight: w5, stride: [2, 3], padding: [1, 0]).shape == [
                3, 2, 4, 1,
            ])
    }

    /// (input shape, weight shape, stride, padding, dilation, groups): awkward shapes for cross-backend agreement.
    static let cases: [([Int], [Int], Size2D, Padding, Size2D, Int)] = [
        ([1, 1, 9, 7], [3, 1, 3, 3], 1, .valid, 1, 1),
        ([7, 3, 9, 7], [4, 3, 5, 5], 2, 2, 1, 1),
        ([1, 16, 5, 6], [8, 16, 1, 1], 1, .valid, 1, 1),
        ([2, 3, 9, 7], [5, 3, 3, 3], 3, 1, 1, 1),
        ([2, 3, 9, 7], [2, 3, 3, 3], [1, 2], [2, 0], 2, 1),
        ([3, 4, 6, 7], [6, 2, 3, 3], 1, 1, 1, 2),
        ([2, 16, 5, 5], [4, 8, 3, 1], 2, 1, [2, 1], 2),
        ([1, 3, 7, 6], [2, 3, 4, 3], 1, .same, 1, 1),
        ([2, 2, 8, 9], [3, 2, 3, 2], 1, .same, 2, 1),
    ]

    @Test(arguments: Self.cases.indices)
    func backendsMatchReferenceOnAwkwardShapes(index: Int) throws {
        let (xShape, wShape, stride, padding, dilation, groups) = Self.cases[index]
        var outputs: [[Float]] = []
        for device in testDevices {
            let x = try testTensor(Shape(xShape), device: device, seed: 11)
            let w = try testTensor(Shape(wShape), device: device, seed: 12)
            let b = try testTensor([wShape[0]], device: device, seed: 13)
            let y = try x.conv2d(weight: w, bias: b, stride: stride, padding: padding, dilation: dilation, groups: groups)
            // Reference with the padding resolved as PyTorch does (same: the odd one below / right).
            let extent = ((wShape[2] - 1) * dilation.height + 1, (wShape[3] - 1) * dilation.width + 1)
            let (top, left, bottom, right): (Int, Int, Int, Int)
            switch padding {
            case .valid: (top, left, bottom, right) = (0, 0, 0, 0)
            case .same: (top, left, bottom, right) = ((extent.0 - 1) / 2, (extent.1 - 1) / 2, extent.0 / 2, extent.1 / 2)
            case .explicit(let p): (top, left, bottom, right) = (p.height, p.width, p.height, p.width)
            }
            let output = (
                (xShape[2] + top + bottom - extent.0) / stride.height + 1,
                (xShape[3] + left + right - extent.1) / stride.width + 1
            )
            #expect(y.shape == Shape([xShape[0], wShape[0], output.0, output.1]))
            let expected = referenceConv2d(
                try x.toArray(), xShape, try w.toArray(), wShape, bias: try b.toArray(),
                stride: (stride.height, stride.width), padTop: top, padLeft: left,
                dilation: (dilation.height, dilation.width), groups: groups, output: output)
            let values = try y.toArray()
            #expect(allClose(values, expected), "case \(index) on \(device): \(maxAbsDifference(values, expected))")
            outputs.append(values)
        }
        if outputs.count == 2 { #expect(allClose(outputs[0], outputs[1]), "case \(index): CPU and OpenCL differ") }
    }

    /// Forward and both backward passes give the same result whether the batch runs in one im2col pass or in uneven chunks.
    @Test(arguments: testDevices)
    func chunkedBatchesMatchOnePass(device: Device) throws {
        let backend = try FoveaCore.backend(for: device)
        let x = try testTensor([7, 4, 6, 5], device: device, seed: 21)
        let w = try testTensor([6, 2, 3, 3], device: device, seed: 22)
        let b = try testTensor([6], device: device, seed: 23)
        var whole = ConvolutionGeometry(
            batch: 7, inChannels: 4, height: 6, width: 5, outChannels: 6, kernel: 3, stride: [2, 1],
            padding: 1, dilation: 1, groups: 2, output: [3, 5])
        #expect(whole.imagesPerChunk == 7)
        var chunked = whole
        chunked.imagesPerChunk = 3
        let gy = try testTensor([7, 6, 3, 5], device: device, seed: 24)
        func run(_ g: ConvolutionGeometry) throws -> [[Float]] {
            let y = try Tensor.empty([7, 6, 3, 5], device: device)
            let gx = try Tensor.empty(x.shape, device: device), gw = try Tensor.empty(w.shape, device: device)
            try backend.conv2d(x.storage, weight: w.storage, bias: b.storage, geometry: g, into: y.storage)
            try backend.conv2dBackwardData(gy.storage, weight: w.storage, geometry: g, into: gx.storage)
            try backend.conv2dBackwardWeight(gy.storage, input: x.storage, geometry: g, into: gw.storage)
            return [try y.toArray(), try gx.toArray(), try gw.toArray()]
        }
        let (a, c) = (try run(whole), try run(chunked))
        for i in 0..<3 { #expect(allClose(a[i], c[i]), "output \(i): \(maxAbsDifference(a[i], c[i]))") }
        whole.imagesPerChunk = 1
        let single = try run(whole)
        for i in 0..<3 { #expect(allClose(a[i], single[i]), "output \(i) one image at a time") }
    }

    @Test(arguments: testDevices)
    func gradients(device: Device) throws {
        let configurations: [([Int], [Int], Size2D, Padding, Size2D, Int)] = [
            ([2, 2, 5, 4], [3, 2, 3, 3], 1, .valid, 1, 1),
            ([1, 2, 6, 5], [2, 2, 3, 2], [2, 3], 1, 1, 1),
            ([1, 1, 7, 6], [2, 1, 3, 3], 1, 2, 2, 1),
            ([2, 4, 4, 4], [4, 2, 2, 3], 1, [1, 0], 1, 2),
            ([1, 2, 5, 5], [2, 2, 2, 2], 1, .same, 1, 1),
        ]
        for (xShape, wShape, stride, padding, dilation, groups) in configurations {
            let x = try testTensor(Shape(xShape), device: device, seed: 31)
            let w = try testTensor(Shape(wShape), device: device, seed: 32)
            let b = try testTensor([wShape[0]], device: device, seed: 33)
            let check = try gradientCheck([x, w, b]) {
                try $0[0].conv2d(weight: $0[1], bias: $0[2], stride: stride, padding: padding, dilation: dilation, groups: groups)
            }
            #expect(
                check.worstError < 1e-2,
                "\(xShape) * \(wShape) stride \(stride) padding \(padding) dilation \(dilation) groups \(groups): \(check)")
        }
    }

    @Test(arguments: testDevices)
    func gradientsWithoutBiasOrWithFrozenInputs(device: Device) throws {
        let x = try testTensor([2, 3, 4, 4], device: device, seed: 41)
        let w = try testTensor([2, 3, 3, 3], device: device, seed: 42)
        let check = try gradientCheck([x, w]) { try $0[0].conv2d(weight: $0[1], padding: 1) }
        #expect(check.worstError < 1e-2, "\(check)")
        // Only the weight needs a gradient: the input gets none.
        let frozen = try testTensor([2, 3, 4, 4], device: device, seed: 41)
        let weight = try testTensor([2, 3, 3, 3], device: device, seed: 42, requiresGrad: true)
        try frozen.conv2d(weight: weight).backward(try Tensor.ones([2, 2, 2, 2], device: device))
        #expect(frozen.grad == nil)
        #expect(weight.grad?.shape == [2, 3, 3, 3])
    }

    @Test(arguments: testDevices)
    func invalidShapesThrow(device: Device) throws {
        let x = try Tensor.zeros([1, 3, 5, 5], device: device)
        let w = try Tensor.zeros([2, 3, 3, 3], device: device)
        #expect(throws: FoveaError.self) { try Tensor.zeros([3, 5, 5], device: device).conv2d(weight: w) }
        #expect(throws: FoveaError.shapeMismatch(op: "conv2d", [1, 3, 5, 5], [2, 2, 3, 3])) {
            try x.conv2d(weight: Tensor.zeros([2, 2, 3, 3], device: device))
        }
        #expect(throws: FoveaError.shapeMismatch(op: "conv2d", [1, 3, 5, 5], [2, 3, 3, 3])) { try x.conv2d(weight: w, groups: 3) }
        #expect(throws: FoveaError.shapeMismatch(op: "conv2d bias", [2, 3, 3, 3], [3])) {
            try x.conv2d(weight: w, bias: Tensor.zeros([3], device: device))
        }
        #expect(throws: FoveaError.self) { try x.conv2d(weight: Tensor.zeros([2, 3, 7, 3], device: device)) }
        #expect(throws: FoveaError.self) { try x.conv2d(weight: w, dilation: 3) }
        #expect(throws: FoveaError.self) { try x.conv2d(weight: w, stride: 2, padding: .same) }
        #expect(throws: FoveaError.self) { try x.conv2d(weight: w, stride: 0) }
        #expect(throws: FoveaError.self) { try x.conv2d(weight: Tensor.zeros([3, 1, 3, 3], device: device), groups: 2) }
        if device != .cpu {
            #expect(throws: FoveaError.deviceMismatch(op: "conv2d", device, .cpu)) {
                try x.conv2d(weight: Tensor.zeros([2, 3, 3, 3]))
            }
        }
        do {
            _ = try x.conv2d(weight: Tensor.zeros([2, 3, 7, 3], device: device), padding: 0)
        } catch {
            #expect("\(error)".contains("[1, 3, 5, 5]") && "\(error)".contains("[2, 3, 7, 3]"), "\(error)")
        }
    }
}
