import Foundation
import FoveaCore
import FoveaTestSupport
import Testing

@Suite struct ElementwiseTests {
    @Test(arguments: testDevices)
    func reluOfTheCourseMatrix(device: Device) throws {
        let x = try Tensor([-1, 3, 2, 1, -2, 1, -1, 1, 3], shape: [3, 3], device: device)
        let y = try x.relu()
        #expect(y.shape == [3, 3])
        #expect(try y.toArray() == [0, 3, 2, 1, 0, 1, 0, 1, 3])
    }

    @Test(arguments: testDevices)
    func unaryOpsMatchHandComputedValues(device: Device) throws {
        let x = try Tensor([-2, -0.5, 0, 0.5, 2], device: device)
        try expectValues(x.neg(), [2, 0.5, 0, -0.5, -2], "neg")
        try expectValues(x.abs(), [2, 0.5, 0, 0.5, 2], "abs")
        try expectValues(x.square(), [4, 0.25, 0, 0.25, 4], "square")
        try expectValues(x.relu(), [0, 0, 0, 0.5, 2], "relu")
        try expectValues(x.leakyRelu(), [-0.02, -0.005, 0, 0.5, 2], "leakyRelu")
        try expectValues(x.leakyRelu(slope: 0.1), [-0.2, -0.05, 0, 0.5, 2], "leakyRelu(0.1)")
        try expectValues(x.elu(), [-0.86466473, -0.39346934, 0, 0.5, 2], "elu")
        try expectValues(x.elu(alpha: 2), [-1.72932946, -0.78693868, 0, 0.5, 2], "elu(2)")
        try expectValues(x.sigmoid(), [0.11920292, 0.37754067, 0.5, 0.62245933, 0.88079708], "sigmoid")
        try expectValues(x.tanh(), [-0.96402758, -0.46211716, 0, 0.46211716, 0.96402758], "tanh")
        try expectValues(x.gelu(), [-0.04550026, -0.15426877, 0, 0.34573123, 1.95449974], "gelu")
        try expectValues(x.clamp(min: -1, max: 1), [-1, -0.5, 0, 0.5, 1], "clamp")
        try expectValues(x.clamp(min: 0), [0, 0, 0, 0.5, 2], "clamp(min:)")
        try expectValues(x.clamp(max: 0), [-2, -0.5, 0, 0, 0], "clamp(max:)")
        try expectValues(x.pow(3), [-8, -0.125, 0, 0.125, 8], "pow(3)")
        try expectValues(x.exp(), [0.13533528, 0.60653066, 1, 1.64872127, 7.3890561], "exp")

        let positive = try Tensor([0.25, 1, 4, Float(M_E)], device: device)
        try expectValues(positive.log(), [-1.38629436, 0, 1.38629436, 1], "log")
        try expectValues(positive.sqrt(), [0.5, 1, 2, 1.64872127], "sqrt")
        try expectValues(positive.pow(-0.5), [2, 1, 0.5, 0.60653066], "pow(-0.5)")
    }

    @Test(arguments: testDevices)
    func sigmoidSaturatesWithoutOverflow(device: Device) throws {
        let y = try Tensor([-100, 100, -1000], device: device).sigmoid().toArray()
        #expect(y.allSatisfy { $0.isFinite })
        #expect(y[0] < 1e-30 && y[1] == 1 && y[2] == 0)
    }

    @Test(arguments: testDevices)
    func scalarOperatorsMatchHandComputedValues(device: Device) throws {
        let x = try Tensor([1, 2, 4], device: device)
        #expect(try (x + 2).toArray() == [3, 4, 6])
        #expect(try (2 + x).toArray() == [3, 4, 6])
        #expect(try (x - 1).toArray() == [0, 1, 3])
        #expect(try (1 - x).toArray() == [0, -1, -3])
        #expect(try (x * 3).toArray() == [3, 6, 12])
        #expect(try (2 * x).toArray() == [2, 4, 8])
        #expect(try (x / 4).toArray() == [0.25, 0.5, 1])
        #expect(try (8 / x).toArray() == [8, 4, 2])
        #expect(try (-x).toArray() == [-1, -2, -4])
        #expect(try (x / 3).toArray() == [1 / Float(3), 2 / Float(3), 4 / Float(3)])
    }

    @Test(arguments: testDevices)
    func binaryOpsBroadcastLikeNumPy(device: Device) throws {
        let a = try Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3], device: device)
        let row = try Tensor([10, 20, 30], device: device)
        let column = try Tensor([2, 4], shape: [2, 1], device: device)
        #expect(try (a + row).toArray() == [11, 22, 33, 14, 25, 36])
        #expect(try (row - a).toArray() == [9, 18, 27, 6, 15, 24])
        #expect(try (a * column).toArray() == [2, 4, 6, 16, 20, 24])
        #expect(try (a / column).toArray() == [0.5, 1, 1.5, 1, 1.25, 1.5])
        #expect(try a.pow(column).toArray() == [1, 4, 9, 256, 625, 1296])
        let c = try (column + row)
        #expect(c.shape == [2, 3])
        #expect(try c.toArray() == [12, 22, 32, 14, 24, 34])
        let scalar = try Tensor(scalar: 2, device: device)
        #expect(try (a * scalar).toArray() == [2, 4, 6, 8, 10, 12])
        #expect(try (scalar - a).toArray() == [1, 0, -1, -2, -3, -4])
        let b = try Tensor([3, 1, 5], device: device)
        #expect(try a.maximum(b).toArray() == [3, 2, 5, 4, 5, 6])
        #expect(try a.minimum(b).toArray() == [1, 1, 3, 3, 1, 5])
    }

    @Test(arguments: testDevices)
    func comparisonsGiveInt32ZerosAndOnesWithoutGradient(device: Device) throws {
        let a = try Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3], device: device, requiresGrad: true)
        let b = try Tensor([1, 5, 2], device: device)
        #expect(try a.eq(b).toInt32Array() == [1, 0, 0, 0, 1, 0])
        #expect(try a.ne(b).toInt32Array() == [0, 1, 1, 1, 0, 1])
        #expect(try a.lt(b).toInt32Array() == [0, 1, 0, 0, 0, 0])
        #expect(try a.le(b).toInt32Array() == [1, 1, 0, 0, 1, 0])
        #expect(try a.gt(b).toInt32Array() == [0, 0, 1, 1, 0, 1])
        #expect(try a.ge(b).toInt32Array() == [1, 0, 1, 1, 1, 1])
        #expect(try a.eq(3).toInt32Array() == [0, 0, 1, 0, 0, 0])
        #expect(try a.ne(3).toInt32Array() == [1, 1, 0, 1, 1, 1])
        #expect(try a.lt(3).toInt32Array() == [1, 1, 0, 0, 0, 0])
        #expect(try a.le(3).toInt32Array() == [1, 1, 1, 0, 0, 0])
        #expect(try a.gt(3).toInt32Array() == [0, 0, 0, 1, 1, 1])
        #expect(try a.ge(3).toInt32Array() == [0, 0, 1, 1, 1, 1])
        #expect(try !a.gt(b).requiresGrad && !a.ge(3).requiresGrad)
        #expect(try a.gt(b).dtype == .int32 && a.ge(3).dtype == .int32)
    }

    @Test(arguments: testDevices)
    func sumToShapeAndBroadcastAreInverses(device: Device) throws {
        let x = try Tensor.arange(0, 24, device: device).reshaped(2, 3, 4)
        let column = try x.sumToShape([3, 1])
        #expect(column.shape == [3, 1])
        // Row r of the [3, 4] slices summed over both batches and the last axis: sum of 4r..4r+3 and 12+4r..12+4r+3.
        #expect(try column.toArray() == [60, 92, 124])
        #expect(try x.sumToShape([4]).toArray() == [60, 66, 72, 78])
        #expect(try x.sumToShape(x.shape) === x)
        #expect(throws: FoveaError.shapeMismatch(op: "sumToShape", [2, 3, 4], [2, 4])) { try x.sumToShape([2, 4]) }

        let b = try Tensor([1, 2], shape: [2, 1], device: device).broadcast(to: [3, 2, 2])
        #expect(try b.toArray() == [1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, 2])
        #expect(throws: FoveaError.shapeMismatch(op: "broadcast", [2, 1], [3, 3])) {
            try Tensor([1, 2], shape: [2, 1], device: device).broadcast(to: [3, 3])
        }
    }

    @Test(arguments: testDevices)
    func mismatchedShapesAndDevicesThrowNamingBoth(device: Device) throws {
        let a = try Tensor.zeros([2, 3], device: device), b = try Tensor.zeros([4], device: device)
        #expect(throws: FoveaError.shapeMismatch(op: "add", [2, 3], [4])) { try a + b }
        #expect(throws: FoveaError.shapeMismatch(op: "mul", [2, 3], [4])) { try a * b }
        #expect(throws: FoveaError.shapeMismatch(op: "maximum", [2, 3], [4])) { try a.maximum(b) }
        #expect(throws: FoveaError.shapeMismatch(op: "lt", [2, 3], [4])) { try a.lt(b) }
        let message = FoveaError.shapeMismatch(op: "add", [2, 3], [4]).description
        #expect(message.contains("[2, 3]") && message.contains("[4]"))
        #expect(throws: FoveaError.invalidArgument("clamp: min 1.0 is greater than max 0.0")) { try a.clamp(min: 1, max: 0) }
        if device != .cpu {
            let cpu = try Tensor.zeros([2, 3])
            #expect(throws: FoveaError.deviceMismatch(op: "sub", device, .cpu)) { try a - cpu }
        }
    }

    @Test(arguments: openCLTestDevices)
    func unaryOpsAgreeAcrossBackends(device: Device) throws {
        let x = try testTensor([7, 3, 5], device: .cpu, seed: 11, low: -3, high: 3)
        let positive = try testTensor([7, 3, 5], device: .cpu, seed: 12, low: 0.1, high: 5)
        let ops: [(String, (Tensor) throws -> Tensor)] = [
            ("neg", { try $0.neg() }), ("abs", { try $0.abs() }), ("exp", { try $0.exp() }),
            ("square", { try $0.square() }), ("relu", { try $0.relu() }), ("leakyRelu", { try $0.leakyRelu(slope: 0.2) }),
            ("elu", { try $0.elu(alpha: 0.7) }), ("sigmoid", { try $0.sigmoid() }), ("tanh", { try $0.tanh() }),
            ("gelu", { try $0.gelu() }), ("clamp", { try $0.clamp(min: -0.5, max: 1.5) }), ("pow", { try $0.pow(3) }),
            ("affine", { try 3 - $0 * 2 }), ("divide", { try $0 / 3 }), ("reciprocal", { try 2 / $0 }),
            ("ge", { try $0.ge(0.3) }),
        ]
        for (name, op) in ops {
            try expectBackendsAgree([x], on: device, name) { try op($0[0]) }
        }
        for (name, op) in [("log", { try $0.log() }), ("sqrt", { try $0.sqrt() }), ("pow", { try $0.pow(1.7) })]
            as [(String, (Tensor) throws -> Tensor)]
        {
            try expectBackendsAgree([positive], on: device, name) { try op($0[0]) }
        }
    }

    /// Every op through the backend primitives, forward and (but for comparisons) backward: each op has its own
    /// kernels on OpenCL, named after it (`unary_U_LEAKY_RELU`), so a missing or misnamed one fails here.
    @Test(arguments: openCLTestDevices)
    func everyUnaryOpRunsItsOwnKernels(device: Device) throws {
        let x = try testTensor([5, 7], device: .cpu, seed: 13, low: 0.2, high: 3)
        let g = try testTensor([5, 7], device: .cpu, seed: 14, low: -1, high: 1)
        for op in UnaryOp.allCases {
            func forward(_ x: Tensor) throws -> Tensor {
                let y = try Tensor.empty(x.shape, device: x.device)
                try x.backend.unary(op, x: x.storage, xOffset: 0, out: y.storage, count: x.count, alpha: 0.5, beta: 1.5)
                return y
            }
            try expectBackendsAgree([x], on: device, "\(op)") { try forward($0[0]) }
            if op.rawValue >= UnaryOp.eq.rawValue { continue }
            try expectBackendsAgree([x, g], on: device, "\(op) backward") { t in
                let y = try forward(t[0])
                let gradIn = try Tensor.empty(t[0].shape, device: t[0].device)
                try t[0].backend.unaryBackward(
                    op, x: t[0].storage, y: y.storage, gradOut: t[1].storage, gradIn: gradIn.storage, count: t[0].count,
                    alpha: 0.5, beta: 1.5)
                return gradIn
            }
        }
    }

    @Test(arguments: openCLTestDevices)
    func binaryOpsAgreeAcrossBackendsAtAwkwardShapes(device: Device) throws {
        let shapes: [(Shape, Shape)] = [
            ([7, 1, 5], [3, 1]), ([7, 3], [7, 3]), ([1], [7, 3]), ([16, 1, 1], [1, 3, 5]), ([], [5]),
            ([2, 3, 4, 5], [3, 1, 5]), ([1, 16, 1, 3], [7, 1, 9, 1]), ([7, 3, 5], []),
        ]
        for (index, (shapeA, shapeB)) in shapes.enumerated() {
            let a = try testTensor(shapeA, device: .cpu, seed: UInt64(20 + index), low: 0.2, high: 2)
            let b = try testTensor(shapeB, device: .cpu, seed: UInt64(40 + index), low: -2, high: 2)
            for op in BinaryOp.allCases {
                try expectBackendsAgree([a, b], on: device, "\(op) \(shapeA) \(shapeB)") { t in
                    let outShape = try Shape.broadcast(t[0].shape, t[1].shape, op: "test")
                    let out = try Tensor.empty(outShape, device: t[0].device)
                    try t[0].backend.binary(
                        op, a: t[0].storage, aStrides: t[0].shape.broadcastStrides(to: outShape),
                        b: t[1].storage, bStrides: t[1].shape.broadcastStrides(to: outShape),
                        out: out.storage, outShape: outShape)
                    return out
                }
            }
            try expectBackendsAgree([a, b], on: device, "sum of ops \(shapeA) \(shapeB)") { t in
                try (t[0] + t[1]) * (t[0] - t[1]) / (t[0].maximum(t[1]).abs() + 1)
            }
        }
    }

    @Test(arguments: testDevices)
    func unaryGradients(device: Device) throws {
        let ops: [(String, (Tensor) throws -> Tensor)] = [
            ("neg", { try $0.neg() }), ("abs", { try $0.abs() }), ("exp", { try $0.exp() }),
            ("square", { try $0.square() }), ("relu", { try $0.relu() }), ("leakyRelu", { try $0.leakyRelu(slope: 0.2) }),
            ("elu", { try $0.elu(alpha: 0.7) }), ("sigmoid", { try $0.sigmoid() }), ("tanh", { try $0.tanh() }),
            ("gelu", { try $0.gelu() }), ("clamp", { try $0.clamp(min: -0.5, max: 0.6) }), ("pow", { try $0.pow(3) }),
            ("add", { try $0 + 2 }), ("rsub", { try 1 - $0 }), ("mul", { try 3 * $0 }), ("div", { try $0 / 4 }),
            ("rdiv", { try 2 / $0 }),
        ]
        for (name, op) in ops {
            let x = try tensorAwayFromZero([3, 5], device: device, seed: 3)
            let check = try gradientCheck([x]) { try op($0[0]) }
            #expect(check.worstError < 1e-2, "\(name): \(check)")
        }
        for (name, op) in [("log", { try $0.log() }), ("sqrt", { try $0.sqrt() }), ("pow", { try $0.pow(-1.5) })]
            as [(String, (Tensor) throws -> Tensor)]
        {
            let x = try testTensor([3, 5], device: device, seed: 4, low: 0.5, high: 2)
            let check = try gradientCheck([x]) { try op($0[0]) }
            #expect(check.worstError < 1e-2, "\(name): \(check)")
        }
    }

    @Test(arguments: testDevices)
    func binaryGradientsSumOverBroadcastAxes(device: Device) throws {
        let ops: [(String, (Tensor, Tensor) throws -> Tensor)] = [
            ("add", { try $0 + $1 }), ("sub", { try $0 - $1 }), ("mul", { try $0 * $1 }), ("div", { try $0 / $1 }),
            ("pow", { try $0.pow($1) }), ("maximum", { try $0.maximum($1) }), ("minimum", { try $0.minimum($1) }),
        ]
        for (name, op) in ops {
            let a = try testTensor([3, 1, 4], device: device, seed: 7, low: 0.5, high: 2)
            // Offsets keep b at least 0.05 from every a, so maximum/minimum never switch sides under a finite-difference nudge.
            let b = try Tensor(
                testValues(8, seed: 8, low: 0.5, high: 2).map { ($0 * 10).rounded() / 10 + 0.05 },
                shape: [2, 4], device: device)
            let roundedA = try Tensor(a.toArray().map { ($0 * 10).rounded() / 10 }, shape: a.shape, device: device)
            let check = try gradientCheck([roundedA, b]) { try op($0[0], $0[1]) }
            #expect(check.worstError < 1e-2, "\(name): \(check)")
        }
        let x = try testTensor([2, 3], device: device, seed: 9)
        let check = try gradientCheck([x]) { try $0[0].broadcast(to: [4, 2, 3]) }
        #expect(check.worstError < 1e-2, "broadcast: \(check)")
    }

    @Test(arguments: testDevices)
    func maximumSplitsTheGradientOfTies(device: Device) throws {
        let a = try Tensor([1, 2, 3], device: device, requiresGrad: true)
        let b = try Tensor([1, 5, 0], device: device, requiresGrad: true)
        try a.maximum(b).sum().backward()
        #expect(try a.grad!.toArray() == [0.5, 0, 1])
        #expect(try b.grad!.toArray() == [0.5, 1, 0])
    }

    @Test(arguments: openCLTestDevices)
    func opsMakeNoHostSync(device: Device) throws {
        let a = try testTensor([7, 1, 5], device: device, seed: 1, requiresGrad: true)
        let b = try testTensor([3, 1], device: device, seed: 2)
        let before = OpenCLContext.hostSyncsOnCurrentThread
        let loss = try ((a + b).relu() * 2 - a.exp()).softmax(axis: 1).max(axes: [0, 2]).mean()
        try loss.backward()
        _ = try a.argmax(axis: 2).to(dtype: .float32).sum(axes: [0]).logSoftmax()
        #expect(OpenCLContext.hostSyncsOnCurrentThread == before)
    }
}
