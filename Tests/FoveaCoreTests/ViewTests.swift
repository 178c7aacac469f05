import FoveaCore
import FoveaTestSupport
import Testing

/// Strided views: which ops share storage, what they read, how gradients flow back through views of views, writes
/// through views, and the ops that read views in place instead of copying them.
@Suite struct ViewTests {
    /// 0, 1, ..., 23 as [2, 3, 4].
    func cube(_ device: Device) throws -> Tensor { try Tensor.arange(0, 24, device: device).reshaped(2, 3, 4) }

    @Test(arguments: testDevices)
    func layoutOpsReturnViewsOfOneStorage(device: Device) throws {
        let x = try cube(device)
        let views: [Tensor] = [
            try x.reshaped(6, 4), try x.slice(axis: 1, start: 1, count: 2), try x[1], try x[0..., 2],
            try x.transposed(), try x.permuted(2, 0, 1), try x[0].unsqueezed(axis: 1).broadcast(to: [3, 5, 4]),
            try x[0..., 0..<1].squeezed(axis: 1), try x.unsqueezed(axis: 0), x.detach(),
        ]
        for view in views { #expect(view.sharedStorage === x.sharedStorage) }
        let transposed = try x.transposed()
        #expect(transposed.shape == [2, 4, 3] && transposed.strides == [12, 1, 4] && !transposed.isContiguous)
        #expect(try transposed[1, 2].toArray() == [14, 18, 22])
        #expect(try x[1].storageOffset == 12 && x[1].isContiguous)
        #expect(try x.permuted(2, 0, 1)[3].toArray() == [3, 7, 11, 15, 19, 23])
        let expanded = try x[0, 0].unsqueezed(axis: 0).broadcast(to: [2, 4])
        #expect(expanded.strides == [0, 1])
        #expect(try expanded.toArray() == [0, 1, 2, 3, 0, 1, 2, 3])
    }

    @Test(arguments: testDevices)
    func viewsOfViewsReadTheRightElements(device: Device) throws {
        let x = try cube(device)
        // x.permute(1, 0, 2)[1:3, :, ::2][-1] in PyTorch: x[:, 2, ::2] = [[8, 10], [20, 22]].
        let view = try x.permuted(1, 0, 2).slice(axis: 0, start: 1, count: 2)[0..., 0..., stride(from: 0, to: 4, by: 2)][-1]
        #expect(view.shape == [2, 2])
        #expect(try view.toArray() == [8, 10, 20, 22])
        #expect(try view.transposed().toArray() == [8, 20, 10, 22])
        // A non-contiguous view reshapes through a copy, as PyTorch's reshape does.
        let flat = try view.transposed().reshaped(4)
        #expect(flat.sharedStorage !== x.sharedStorage)
        #expect(try flat.toArray() == [8, 20, 10, 22])
        let copy = try view.contiguous()
        #expect(copy.isDense && copy.sharedStorage !== x.sharedStorage)
        #expect(try x[1].contiguous().sharedStorage === x.sharedStorage)
    }

    @Test(arguments: testDevices)
    func gradientsFlowBackThroughViewsOfViews(device: Device) throws {
        let x = try testTensor([3, 4, 5], device: device, seed: 5)
        let w = try testTensor([2, 3], device: device, seed: 6)
        let check = try gradientCheck([x, w]) { inputs in
            let picked = try inputs[0].permuted(2, 0, 1)[1..., 0..., stride(from: 1, to: 4, by: 2)]  // [4, 3, 2]
            let mixed = try picked.transposed().matmul(inputs[1].transposed().unsqueezed(axis: 0).broadcast(to: [4, 3, 2]))
            return try mixed.mul(picked[0][0..<2].transposed().unsqueezed(axis: 0)).add(inputs[0][2, 1..<3, 0..<2])
        }
        #expect(check.worstError < 2e-2, "\(check)")
    }

    @Test(arguments: testDevices)
    func writesGoThroughViewsIntoTheirBase(device: Device) throws {
        let x = try Tensor.zeros([3, 4], device: device)
        try x[1].fill(5)
        try x.transposed()[3].assign(Tensor([7, 8, 9], device: device))
        try x[0..., 0..<2][2].assign(Tensor([1, 2], device: device))
        #expect(try x.toArray() == [0, 0, 0, 7, 5, 5, 5, 8, 1, 2, 0, 9])
        let expanded = try x[0].unsqueezed(axis: 0).broadcast(to: [2, 4])
        #expect(
            throws: FoveaError.invalidArgument(
                "fill: the tensor is a broadcast view (stride 0 on an axis of shape [2, 4]); write into contiguous()")
        ) { try expanded.fill(1) }
        let parameter = try Tensor.zeros([2, 2], device: device, requiresGrad: true)
        #expect(throws: FoveaError.self) { try parameter.transposed().fill(1) }
        #expect(throws: FoveaError.self) { try x.transposed().writableStorage(op: "sgd") }
    }

    @Test(arguments: testDevices)
    func matmulReadsTransposedAndSlicedViewsWithoutACopy(device: Device) throws {
        let a = try testTensor([5, 3], device: device, seed: 1), b = try testTensor([4, 3], device: device, seed: 2)
        let expected = try a.matmul(b.transposed().contiguous()).toArray()
        let (product, allocations) = try AllocationCounter.count { try a.matmul(b.transposed()) }
        #expect(allocations == 1)
        #expect(allClose(try product.toArray(), expected))
        // Batched, both sides transposed, one a slice at an offset.
        let x = try testTensor([3, 4, 6], device: device, seed: 3), y = try testTensor([2, 3, 5, 4], device: device, seed: 4)
        let left = try x.transposed().slice(axis: 1, start: 1, count: 5)  // [3, 5, 4], columns contiguous
        let right = try y[1].transposed()  // [3, 4, 5]
        let (batched, batchedAllocations) = try AllocationCounter.count { try left.matmul(right) }
        #expect(batchedAllocations == 1)
        #expect(allClose(try batched.toArray(), try left.contiguous().matmul(right.contiguous()).toArray()))
    }

    @Test(arguments: testDevices)
    func matmulGradientsMatchTheDenseProduct(device: Device) throws {
        let a = try testTensor([2, 4, 3], device: device, seed: 7), b = try testTensor([5, 4], device: device, seed: 8)
        let check = try gradientCheck([a, b]) { try $0[0].transposed().matmul($0[1].transposed()) }
        #expect(check.worstError < 2e-2, "\(check)")
        let shared = try gradientCheck([a, b]) { try $0[1][1...].matmul($0[0][0...]) }  // [4, 4] shared by the batch
        #expect(shared.worstError < 2e-2, "\(shared)")
    }

    @Test(arguments: testDevices)
    func opsThatReadTheirInputTwiceTakeViews(device: Device) throws {
        let x = try testTensor([3, 2, 5, 5], device: device, seed: 9), w = try testTensor([2, 2, 3, 3], device: device, seed: 10)
        let targets = try Tensor(indices: [1, 0], device: device)
        let check = try gradientCheck([x, w]) { inputs in
            let view = try inputs[0][1...].transposed(2, 3)  // [2, 2, 5, 5] at an offset, rows and columns swapped
            let features = try view.conv2d(weight: inputs[1], padding: .same).transposed(2, 3).maxPool2d(kernel: 2)
                .transposed(2, 3).batchNorm(weight: nil, bias: nil, runningMean: nil, runningVar: nil, training: true)
            let flat = try features.permuted(0, 2, 3, 1).reshaped(2, 8)
            let logits = try flat.transposed().slice(axis: 0, start: 1, count: 4).transposed()
                .linear(weight: inputs[1].reshaped(4, 9)[0..., 0..<4])
            return try logits.transposed()[0..<2].transposed().crossEntropy(targets: targets)
        }
        #expect(check.worstError < 2e-2, "\(check)")
    }

    @Test(arguments: testDevices)
    func elementwiseOpsReadViewsInPlace(device: Device) throws {
        let x = try cube(device)
        let y = try Tensor.ones([4, 3], device: device)
        let (sum, allocations) = try AllocationCounter.count { try x[1].transposed().add(y) }
        #expect(allocations == 1)
        #expect(try sum.toArray() == [13, 17, 21, 14, 18, 22, 15, 19, 23, 16, 20, 24])
        // Contiguous views at offsets, same-shaped and against one value: the contiguous and scalar kernels.
        #expect(try x[1].add(x[0]).toArray() == (0..<12).map { Float(12 + 2 * $0) })
        #expect(try x[1, 2].mul(x[0, 0, 3]).toArray() == [60, 63, 66, 69])
        let (negated, unaryAllocations) = try AllocationCounter.count { try x[1, 1...].neg() }
        #expect(unaryAllocations == 1)
        #expect(try negated.toArray() == (16..<24).map { -Float($0) })
        #expect(try x[0].transposed().square().toArray() == [0, 16, 64, 1, 25, 81, 4, 36, 100, 9, 49, 121])
        let ids = try Tensor(indices: Array(0..<12), shape: [3, 4], device: device)
        #expect(try ids[1...].transposed()[0].eq(ids[1, 0]).toInt32Array() == [1, 0])
    }

    /// Unary ops whose backward reads their input, on a view that is not contiguous (the backward reuses the forward's
    /// dense copy) and on a contiguous one at an offset: the gradients of the view's elements, zero elsewhere.
    @Test(arguments: testDevices)
    func unaryGradientsThroughViewsReachTheRightElements(device: Device) throws {
        let values = (0..<24).map { 0.5 + Float($0) / 8 }
        for (name, derivative): (String, (Float) -> Float) in [
            ("square", { 2 * $0 }), ("log", { 1 / $0 }), ("sqrt", { 0.5 / $0.squareRoot() }),
        ] {
            let x = try Tensor(values, shape: [2, 3, 4], device: device, requiresGrad: true)
            func apply(_ view: Tensor) throws -> Tensor {
                switch name {
                case "square": try view.square()
                case "log": try view.log()
                default: try view.sqrt()
                }
            }
            // x[1] transposed (not contiguous) and x[0, 1...] (contiguous from offset 4).
            try (apply(x[1].transposed()).sum() + apply(x[0, 1...]).sum()).backward()
            let expected = values.indices.map { $0 >= 4 ? derivative(values[$0]) : 0 }
            let gradient = try #require(x.grad).toArray()
            #expect(allClose(gradient, expected, atol: 1e-6, rtol: 1e-5), "\(name): \(gradient) vs \(expected)")
        }
    }
}
