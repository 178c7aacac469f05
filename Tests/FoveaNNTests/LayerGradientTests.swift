import FoveaCore
import FoveaNN
import FoveaTestSupport
import Testing

/// Finite-difference checks of every layer's backward, with respect to the input and the parameters, at awkward shapes.
@Suite struct LayerGradientTests {
    static let tolerance: Float = 1e-2

    @Test(arguments: testDevices)
    func dense(device: Device) throws {
        for batch in [1, 7] {
            let layer = Dense(5, 3)
            try layer.to(device)
            let result = try layerGradientCheck(layer, input: try testTensor([batch, 5], device: device, seed: 2))
            #expect(result.worstError < Self.tolerance, "batch \(batch): \(result)")
        }
        let sequence = Dense(5, 2)
        try sequence.to(device)
        let sequenceResult = try layerGradientCheck(sequence, input: try testTensor([2, 3, 5], device: device, seed: 5))
        #expect(sequenceResult.worstError < Self.tolerance, "[2, 3, 5] input: \(sequenceResult)")
        let noBias = Dense(4, 2, bias: false)
        try noBias.to(device)
        let result = try layerGradientCheck(noBias, input: try testTensor([3, 4], device: device, seed: 3))
        #expect(result.worstError < Self.tolerance, "no bias: \(result)")
    }

    @Test(arguments: testDevices)
    func conv2D(device: Device) throws {
        let cases: [(String, Conv2D, Shape)] = [
            ("1 channel", Conv2D(1, 2, kernelSize: 3), [2, 1, 5, 4]),
            (
                "3 channels, non-square kernel, stride 2, padding 1", Conv2D(3, 4, kernelSize: [2, 3], stride: 2, padding: 1),
                [1, 3, 7, 6]
            ),
            ("dilation 2", Conv2D(3, 2, kernelSize: 3, padding: 2, dilation: 2), [2, 3, 6, 5]),
            ("groups 2", Conv2D(4, 6, kernelSize: 3, padding: 1, groups: 2), [1, 4, 5, 5]),
            ("same padding, no bias", Conv2D(2, 3, kernelSize: [3, 2], padding: .same, bias: false), [1, 2, 4, 5]),
        ]
        for (name, layer, shape) in cases {
            try layer.to(device)
            let result = try layerGradientCheck(layer, input: try testTensor(shape, device: device, seed: 4))
            #expect(result.worstError < Self.tolerance, "\(name): \(result)")
        }
    }

    @Test(arguments: testDevices)
    func pooling(device: Device) throws {
        let layers: [(String, () -> Pool2D)] = [
            ("max", { MaxPool2D(kernelSize: 2) }), ("average", { AvgPool2D(kernelSize: 2) }),
            ("sum", { SumPool2D(kernelSize: 2) }),
            ("min", { MinPool2D(kernelSize: 2) }), ("l2", { L2Pool2D(kernelSize: 2) }),
            ("max 3x2 stride 2 padding 1", { MaxPool2D(kernelSize: [3, 2], stride: 2, padding: 1) }),
            ("average 3 stride 2 padding 1", { AvgPool2D(kernelSize: 3, stride: 2, padding: 1) }),
            ("min 3 stride 1", { MinPool2D(kernelSize: 3, stride: 1) }),
            ("l2 3 stride 2 padding 1", { L2Pool2D(kernelSize: 3, stride: 2, padding: 1) }),
        ]
        for (name, make) in layers {
            let input = try distinctTensor([2, 3, 7, 5], device: device, seed: 5)
            let result = try layerGradientCheck(make(), input: input)
            #expect(result.worstError < Self.tolerance, "\(name): \(result)")
        }
    }

    @Test(arguments: testDevices)
    func globalAveragePoolingFlattenAndIdentity(device: Device) throws {
        for (name, layer) in [
            ("global average", GlobalAvgPool2D()), ("flatten", Flatten()), ("flatten from 2", Flatten(startAxis: 2)),
            ("identity", Identity()),
        ] as [(String, any UnaryLayer)] {
            let result = try layerGradientCheck(layer, input: try testTensor([2, 3, 5, 4], device: device, seed: 6))
            #expect(result.worstError < Self.tolerance, "\(name): \(result)")
        }
        #expect(try GlobalAvgPool2D()(try Tensor.zeros([2, 3, 5, 4], device: device)).shape == [2, 3])
        #expect(try Flatten()(try Tensor.zeros([2, 3, 5, 4], device: device)).shape == [2, 60])
    }

    @Test(arguments: testDevices)
    func batchNormInTrainingAndEvaluation(device: Device) throws {
        let cases: [(String, BatchNorm, Shape)] = [("1D", BatchNorm1D(3), [7, 3]), ("2D", BatchNorm2D(2), [3, 2, 3, 4])]
        for (name, layer, shape) in cases {
            try layer.to(device)
            let channels = shape[1]
            try setValues(layer.weight!, testValues(channels, seed: 7, low: 0.5, high: 1.5))
            try setValues(layer.bias!, testValues(channels, seed: 8))
            let train = try layerGradientCheck(layer, input: try testTensor(shape, device: device, seed: 9, low: -2, high: 2))
            #expect(train.worstError < Self.tolerance, "\(name) training: \(train)")
            layer.runningMean.value = try Tensor(testValues(channels, seed: 10), shape: [channels], device: device)
            layer.runningVar.value = try Tensor(
                testValues(channels, seed: 11, low: 0.5, high: 2), shape: [channels], device: device)
            layer.eval()
            let evaluation = try layerGradientCheck(
                layer, input: try testTensor(shape, device: device, seed: 12, low: -2, high: 2))
            #expect(evaluation.worstError < Self.tolerance, "\(name) evaluation: \(evaluation)")
        }
        let plain = BatchNorm2D(3, affine: false)
        #expect(plain.parameters.isEmpty)
        try plain.to(device)
        let result = try layerGradientCheck(
            plain, input: try testTensor([2, 3, 2, 3], device: device, seed: 16, low: -2, high: 2))
        #expect(result.worstError < Self.tolerance, "without affine parameters: \(result)")
    }

    @Test(arguments: testDevices)
    func activations(device: Device) throws {
        let layers: [(String, any UnaryLayer)] = [
            ("relu", ReLU()), ("leaky relu", LeakyReLU(slope: 0.2)), ("elu", ELU(alpha: 0.7)),
            ("sigmoid", Sigmoid()), ("tanh", Tanh()), ("gelu", GELU()), ("softmax", Softmax()),
            ("softmax axis 1", Softmax(axis: 1)), ("log softmax", LogSoftmax()),
            ("log softmax axis 0", LogSoftmax(axis: 0)),
        ]
        for (name, layer) in layers {
            let result = try layerGradientCheck(layer, input: try awayFromZero([2, 3, 5], device: device, seed: 13))
            #expect(result.worstError < Self.tolerance, "\(name): \(result)")
        }
    }

    @Test(arguments: testDevices)
    func dropoutWithAFixedMask(device: Device) throws {
        // A fresh generator per evaluation draws the same mask every time, so the function is deterministic.
        let input = try testTensor([3, 7], device: device, seed: 14)
        let result = try gradientCheck([input]) { inputs in try Dropout(p: 0.4, generator: Generator(seed: 3))(inputs[0]) }
        #expect(result.worstError < Self.tolerance, "\(result)")
        let output = try Dropout(p: 0.4, generator: Generator(seed: 3))(input).toArray()
        let values = try input.toArray()
        #expect(output.contains(0) && output.contains { $0 != 0 })
        for (y, x) in zip(output, values) where y != 0 { #expect(abs(y - x / 0.6) < 1e-5) }
    }

    @Test(arguments: testDevices)
    func residualBlock(device: Device) throws {
        // Deterministic weights chosen so that no value before a ReLU lies within the finite-difference step of zero.
        for (channels, block) in [(2, ResidualBlock(2, 3, stride: 2)), (3, ResidualBlock(3, 3))] {
            try fillWeights(block, seed: 3)
            try block.to(device)
            let input = try testTensor([2, channels, 5, 4], device: device, seed: 15)
            let result = try layerGradientCheck(block, input: input, epsilon: 1e-3)
            #expect(result.worstError < Self.tolerance, "\(channels) -> 3 channels: \(result)")
        }
    }
}
