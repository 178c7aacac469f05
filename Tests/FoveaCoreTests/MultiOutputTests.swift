import FoveaCore
import FoveaTestSupport
import Testing

@Suite struct MultiOutputTests {
    /// An LSTM-shaped op: output = 2x, h = x^2, c = x + 1 from one node; counts how often its backward runs and
    /// which outputs had gradients.
    final class ThreeOutputOp {
        var calls = 0
        var received: [Bool] = []

        func callAsFunction(_ x: Tensor) throws -> (Tensor, Tensor, Tensor) {
            let (output, h, c) = try withNoGrad { (try x * 2, try x.square(), try x + 1) }
            let outputs = Tensor.record(outputs: [output, h, c], op: "threeOutputs", inputs: [x]) { [self] grads, _ in
                calls += 1
                received = grads.map { $0 != nil }
                var total = try Tensor.zeros(x.shape, device: x.device)
                if let g = grads[0] { total = try total + g * 2 }
                if let g = grads[1] { total = try total + g * x * 2 }
                if let g = grads[2] { total = try total + g }
                return [.dense(total)]
            }
            return (outputs[0], outputs[1], outputs[2])
        }
    }

    @Test(arguments: testDevices)
    func threeOutputsBackwardOnceAfterAllGradientsAreIn(device: Device) throws {
        let x = try Tensor([1, -2, 3], device: device, requiresGrad: true)
        let op = ThreeOutputOp()
        let (output, h, c) = try op(x)
        #expect(output.gradNode === h.gradNode && h.gradNode === c.gradNode)
        #expect(c.gradOutputIndex == 2)
        // h reaches the loss by a longer path than output, so the node must wait for it.
        let loss = try (output.sum() + h.exp().log().mul(c).sum())
        try loss.backward()
        #expect(op.calls == 1)
        #expect(op.received == [true, true, true])
        // d/dx [2x + x^2 (x + 1)] = 2 + 3x^2 + 2x
        #expect(allClose(try x.grad!.toArray(), [7, 10, 35]))
        let result = try gradientCheck([try testTensor([4], device: device, seed: 2)]) { t in
            let (o, h, c) = try ThreeOutputOp()(t[0])
            return try o + h.mul(c)
        }
        #expect(result.worstError < 1e-2, "\(result)")
    }

    @Test(arguments: testDevices)
    func outputsWithoutGradientGetNil(device: Device) throws {
        let x = try Tensor([1, 2], device: device, requiresGrad: true)
        let op = ThreeOutputOp()
        let (output, _, c) = try op(x)
        try (output.sum() + c.sum()).backward()
        #expect(op.calls == 1)
        #expect(op.received == [true, false, true])
        #expect(try x.grad!.toArray() == [3, 3])
    }

    @Test(arguments: testDevices)
    func splitAndChunkShareOneNode(device: Device) throws {
        let x = try Tensor.arange(0, 12, device: device).reshaped(3, 4)
        let parts = try x.split(sizes: [1, 3], axis: 1)
        #expect(parts.map(\.shape) == [[3, 1], [3, 3]])
        #expect(try parts[0].toArray() == [0, 4, 8])
        let chunks = try x.chunk(2, axis: 0)
        #expect(chunks.map(\.shape) == [[2, 4], [1, 4]])
        #expect(try chunks[1].toArray() == [8, 9, 10, 11])
        #expect(
            throws: FoveaError.invalidArgument("split: sizes [2, 3] do not add up to axis 1 of shape [3, 4] in positive parts")
        ) {
            try x.split(sizes: [2, 3], axis: 1)
        }
        let y = try testTensor([3, 4], device: device, seed: 5, requiresGrad: true)
        let gates = try y.chunk(4, axis: 1)
        #expect(gates[0].gradNode === gates[3].gradNode)
        // Only two of the four parts are used: the others contribute zeros.
        try (gates[0].sigmoid() * gates[2]).sum().backward()
        let grad = try y.grad!.toArray()
        #expect(grad[1] == 0 && grad[3] == 0 && grad[0] != 0 && grad[2] != 0)
        let result = try gradientCheck([try testTensor([3, 6], device: device, seed: 6)]) { t in
            let parts = try t[0].split(sizes: [2, 1, 3], axis: 1)
            return try parts[0].tanh().sum(axes: [1]) + parts[2].mul(parts[1]).sum(axes: [1])
        }
        #expect(result.worstError < 1e-2, "split: \(result)")
    }
}

@Suite struct MaxWithIndicesTests {
    @Test(arguments: testDevices)
    func maxAlongAnAxisGivesValuesAndInt32Indices(device: Device) throws {
        let x = try Tensor([1, 5, 5, 7, 0, 2], shape: [2, 3], device: device, requiresGrad: true)
        let (values, indices) = try x.max(axis: 1)
        #expect(try values.toArray() == [5, 7])
        #expect(indices.dtype == .int32 && !indices.requiresGrad)
        #expect(try indices.toInt32Array() == [1, 0])
        #expect(values.gradNode?.outputCount == 2)
        try values.sum().backward()
        // Unlike max(axes:), the tie at 5 sends the whole gradient to its first occurrence, as PyTorch does.
        #expect(try x.grad!.toArray() == [0, 1, 0, 1, 0, 0])
        let kept = try x.max(axis: 0, keepDims: true)
        #expect(kept.values.shape == [1, 3] && kept.indices.shape == [1, 3])
        #expect(try kept.indices.toInt32Array() == [1, 0, 0])
        let result = try gradientCheck([try testTensor([3, 4, 5], device: device, seed: 8)]) { try $0[0].max(axis: 1).values }
        #expect(result.worstError < 1e-2, "max values: \(result)")
    }

    /// A split's parts and their graph are freed once nothing uses them (its backward keeps no part alive, so no
    /// cycle leaks an LSTM's gates every step).
    @Test func splitPartsAreFreedWithTheirGraph() throws {
        weak var part: Tensor?
        let x = try Tensor([1, 2, 3, 4], requiresGrad: true)
        try {
            let parts = try x.chunk(2)
            part = parts[1]
            try parts[0].add(parts[1]).sum().backward()
        }()
        #expect(part == nil)
        #expect(try x.grad?.toArray() == [1, 1, 1, 1])
    }
}
