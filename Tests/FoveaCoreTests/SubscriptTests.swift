import FoveaCore
import FoveaTestSupport
import Testing

@Suite struct SubscriptTests {
    /// 0, 1, ..., 23 as [2, 3, 4].
    func cube(_ device: Device) throws -> Tensor { try Tensor.arange(0, 24, device: device).reshaped(2, 3, 4) }

    @Test(arguments: testDevices)
    func subscriptsSelectLikePyTorch(device: Device) throws {
        let x = try cube(device)
        let row = try x[0]
        #expect(row.shape == [3, 4])
        #expect(try row.toArray() == (0..<12).map(Float.init))
        #expect(try x[-1].toArray() == (12..<24).map(Float.init))
        #expect(try x[1..<2].shape == [1, 3, 4])
        let column = try x[0..., 2]
        #expect(column.shape == [2, 4])
        #expect(try column.toArray() == [8, 9, 10, 11, 20, 21, 22, 23])
        #expect(try x[0, 1...].toArray() == (4..<12).map(Float.init))
        #expect(try x[0, -1, -1].shape == [])
        #expect(try x[0, -1, -1].item() == 11)
        #expect(try x[...0, ..<(-1), 1...2].toArray() == [1, 2, 5, 6])
        let stepped = try x[0..., 0..., stride(from: 0, to: 4, by: 2)]
        #expect(stepped.shape == [2, 3, 2])
        #expect(try stepped.toArray() == [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22])
        #expect(try x[1, stride(from: 0, through: 2, by: 2), 3].toArray() == [15, 23])
        let ids = try Tensor(indices: [0, 1, 2, 3, 4, 5], shape: [2, 3], device: device)
        #expect(try ids[1].toInt32Array() == [3, 4, 5])
    }

    @Test(arguments: testDevices)
    func badSubscriptsNameTheAxisIndexAndBounds(device: Device) throws {
        let x = try cube(device)
        #expect(throws: FoveaError.invalidArgument("subscript: index 2 is out of range for axis 0 of size 2 (valid -2..<2)")) {
            try x[2]
        }
        #expect(throws: FoveaError.invalidArgument("subscript: index -4 is out of range for axis 1 of size 3 (valid -3..<3)")) {
            try x[0, -4]
        }
        #expect(throws: FoveaError.invalidArgument("subscript: range 3..<3 is empty for axis 2 of size 4")) {
            try x[0..., 0..., 3..<3]
        }
        #expect(throws: FoveaError.invalidArgument("subscript: range 1..<5 is out of bounds for axis 1 of size 3")) {
            try x[0..., 1..<5]
        }
        #expect(throws: FoveaError.invalidArgument("subscript: 4 indices for a tensor of rank 3 (shape [2, 3, 4])")) {
            try x[0, 0, 0, 0]
        }
    }

    @Test(arguments: testDevices)
    func subscriptGradientsMatchFiniteDifferences(device: Device) throws {
        let x = try testTensor([4, 3, 5], device: device, seed: 3)
        let cases: [(String, (Tensor) throws -> Tensor)] = [
            ("x[0]", { try $0[0] }), ("x[-1]", { try $0[-1] }), ("x[0..., 2]", { try $0[0..., 2] }),
            ("x[1..<3, 0..., stride]", { try $0[1..<3, 0..., stride(from: 0, to: 5, by: 2)] }),
            // Views of views: each level's backward adds into its base's buffer.
            ("x[1...][0..., 1][0]", { try $0[1...][0..., 1][0] }),
            ("x[0] and x[1..<3][0] share x's gradient", { try $0[0].add($0[1..<3][0].mul($0[2])) }),
        ]
        for (name, f) in cases {
            let result = try gradientCheck([x]) { try f($0[0]) }
            #expect(result.worstError < 1e-2, "\(name): \(result)")
        }
    }

    @Test(arguments: testDevices)
    func sliceBackwardAllocatesOneGradientForManySlices(device: Device) throws {
        func backwardAllocations(steps: Int) throws -> Int {
            let x = try testTensor([steps, 64], device: device, seed: 1, requiresGrad: true)
            var total = try x[0]
            for t in 1..<steps { total = try total + x[t] + x.slice(axis: 0, start: t, count: 1).reshaped(64) }
            let loss = try total.sum()
            let counted = try AllocationCounter.count { try loss.backward() }
            #expect(try x.grad!.toArray()[0..<64].allSatisfy { $0 == 1 })
            #expect(try x.grad!.toArray()[64...].allSatisfy { $0 == 2 })
            return counted.allocations
        }
        let short = try backwardAllocations(steps: 3), long = try backwardAllocations(steps: 40)
        // The seed, the sum's broadcast and one gradient buffer for x: independent of the number of slices.
        #expect(long == short, "\(short) allocations for 3 steps, \(long) for 40")
        #expect(long <= 4, "\(long) allocations")
    }

    @Test(arguments: testDevices)
    func gatherPicksRowsAndScatterAddsGradients(device: Device) throws {
        let table = try Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2], device: device, requiresGrad: true)
        let ids = try Tensor(indices: [0, 2, 0], device: device)
        let rows = try table[ids]
        #expect(rows.shape == [3, 2])
        #expect(try rows.toArray() == [1, 2, 5, 6, 1, 2])
        try rows.sum().backward()
        #expect(try table.grad!.toArray() == [2, 2, 0, 0, 1, 1])
        let grid = try table.gather(rows: try Tensor(indices: [2, 1, 1, 0], shape: [2, 2], device: device))
        #expect(grid.shape == [2, 2, 2])
        #expect(try grid.toArray() == [5, 6, 3, 4, 3, 4, 1, 2])
        let tokens = try Tensor(indices: [10, 20, 30], device: device)
        #expect(try tokens[try Tensor(indices: [2, 2], device: device)].toInt32Array() == [30, 30])
        let result = try gradientCheck([try testTensor([5, 3], device: device, seed: 4)]) {
            try $0[0][try Tensor(indices: [4, 0, 4, 1, 4], device: device)]
        }
        #expect(result.worstError < 1e-2, "gather: \(result)")
        #expect(
            throws: FoveaError.invalidArgument(
                "gather: indices must be int32, got float32; use Tensor(indices:) or to(dtype: .int32)")
        ) {
            try table[try Tensor([0, 1], device: device)]
        }
        if device == .cpu {
            #expect(throws: FoveaError.invalidArgument("gather: index 3 at position 1 is out of range for axis 0 of size 3")) {
                try table[try Tensor(indices: [0, 3], device: device)]
            }
        } else {
            // On OpenCL the gather runs without a host sync; the next host read reports the index, once.
            let gathered = try table[try Tensor(indices: [0, 1, -2], device: device)]
            #expect(
                throws: FoveaError.invalidArgument(
                    "gather: index -2 at position 2 is out of range for axis 0 of size 3 "
                        + "(found on \(device) at this host read; that gather's rows were zeros)")
            ) { try gathered.toArray() }
            #expect(try gathered.toArray() == [1, 2, 3, 4, 0, 0])
        }
    }
}

@Suite struct AssignmentTests {
    @Test(arguments: testDevices)
    func assignAndFillWriteTheSelectionInPlace(device: Device) throws {
        let x = try Tensor.zeros([3, 4], device: device)
        try x.assign(try Tensor([1, 2, 3, 4], device: device), at: 0)
        try x.fill(7, at: 1..., stride(from: 1, to: 4, by: 2))
        try x.assign(try Tensor(scalar: 9, device: device), at: -1, 0)
        #expect(try x.toArray() == [1, 2, 3, 4, 0, 7, 0, 7, 9, 7, 0, 7])
        let ids = try Tensor(indices: [0, 1, 2, 3], device: device)
        try ids.fill(-1, at: 1..<3)
        #expect(try ids.toInt32Array() == [0, -1, -1, 3])
        #expect(throws: FoveaError.invalidArgument("fill: 0.5 is not an int32 value for an int32 tensor")) {
            try ids.fill(0.5, at: 0)
        }
        let weights = try Tensor.zeros([2], device: device, requiresGrad: true)
        #expect(
            throws: FoveaError.invalidArgument(
                "fill: the tensor requires grad; write into a copy made under withNoGrad or detach()")
        ) {
            try weights.fill(1, at: 0)
        }
        #expect(throws: FoveaError.shapeMismatch(op: "broadcast", [3], [4])) {
            try x.assign(try Tensor([1, 2, 3], device: device), at: 0)
        }
    }

    @Test(arguments: testDevices)
    func squeezeAndUnsqueezeShareStorage(device: Device) throws {
        let x = try Tensor.arange(0, 6, device: device).reshaped(1, 3, 1, 2)
        #expect(try x.squeezed().shape == [3, 2])
        #expect(try x.squeezed(axis: 2).shape == [1, 3, 2])
        #expect(try x.squeezed(axis: -2).sharedStorage === x.sharedStorage)
        #expect(try x.unsqueezed(axis: -1).shape == [1, 3, 1, 2, 1])
        #expect(try x.unsqueezed(axis: 0).shape == [1, 1, 3, 1, 2])
        #expect(throws: FoveaError.invalidArgument("squeeze: axis 1 of shape [1, 3, 1, 2] has size 3, not 1")) {
            try x.squeezed(axis: 1)
        }
        #expect(throws: FoveaError.invalidArgument("unsqueeze: axis 5 is outside -5...4 for shape [1, 3, 1, 2]")) {
            try x.unsqueezed(axis: 5)
        }
        let result = try gradientCheck([try testTensor([2, 1, 3], device: device, seed: 2)]) {
            try $0[0].squeezed().unsqueezed(axis: 1)
        }
        #expect(result.worstError < 1e-2, "\(result)")
    }
}
