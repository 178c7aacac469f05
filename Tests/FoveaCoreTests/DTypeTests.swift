import FoveaCore
import FoveaTestSupport
import Testing

@Suite struct DTypeTests {
    @Test(arguments: testDevices)
    func indicesMakeInt32Tensors(device: Device) throws {
        let ids = try Tensor(indices: [0, 2, 1], device: device)
        #expect(ids.dtype == .int32 && ids.shape == [3])
        #expect(try ids.toInt32Array() == [0, 2, 1])
        #expect(try Tensor(indices: [1, 2, 3, 4], shape: [2, 2], device: device).shape == [2, 2])
        #expect(try Tensor([1, 2], device: device).dtype == .float32)
        #expect(throws: FoveaError.invalidArgument("Tensor(indices:): 4294967296 does not fit in int32")) {
            try Tensor(indices: [1 << 32], device: device)
        }
        #expect(throws: FoveaError.unsupportedDType(op: "toArray (use toInt32Array() for int32)", .int32)) { try ids.toArray() }
        #expect(ids.sharedStorage.byteCount == 12)
        #expect(try Tensor.ones([2, 2], dtype: .int32, device: device).toInt32Array() == [1, 1, 1, 1])
        #expect(try Tensor.zeros([3], dtype: .int32, device: device).dtype == .int32)
        #expect(throws: FoveaError.invalidArgument("full: 0.5 is not an int32 value")) {
            try Tensor.full([1], value: 0.5, dtype: .int32)
        }
    }

    @Test(arguments: testDevices)
    func conversionRoundsTowardZeroAndSaturates(device: Device) throws {
        let x = try Tensor([1.7, -1.7, 2.5, .nan, 3e9, -3e9, 0], device: device)
        let ints = try x.to(dtype: .int32)
        #expect(ints.dtype == .int32)
        #expect(try ints.toInt32Array() == [1, -1, 2, 0, .max, .min, 0])
        let back = try Tensor(indices: [-3, 0, 16_777_216], device: device).to(dtype: .float32)
        #expect(try back.toArray() == [-3, 0, 16_777_216])
        #expect(try x.to(dtype: .float32) === x)
    }

    @Test(arguments: testDevices)
    func int32ArithmeticAndComparisonsBroadcast(device: Device) throws {
        let a = try Tensor(indices: [1, 2, 3, 4, 5, 6], shape: [2, 3], device: device)
        let b = try Tensor(indices: [1, 5, 2], device: device)
        #expect(try (a + b).toInt32Array() == [2, 7, 5, 5, 10, 8])
        #expect(try (a + a).toInt32Array() == [2, 4, 6, 8, 10, 12], "same shapes: add_int in memory.cl on OpenCL")
        #expect(try (a - b).toInt32Array() == [0, -3, 1, 3, 0, 4])
        #expect(try (a * b).toInt32Array() == [1, 10, 6, 4, 25, 12])
        #expect(try a.maximum(b).toInt32Array() == [1, 5, 3, 4, 5, 6])
        #expect(try a.minimum(b).toInt32Array() == [1, 2, 2, 1, 5, 2])
        #expect(try a.eq(b).toInt32Array() == [1, 0, 0, 0, 1, 0])
        #expect(try a.ge(b).toInt32Array() == [1, 0, 1, 1, 1, 1])
        #expect(try a.lt(4).toInt32Array() == [1, 1, 1, 0, 0, 0])
        #expect(try (a + b).dtype == .int32)
        #expect(throws: FoveaError.unsupportedDType(op: "div", .int32)) { try a / b }
        #expect(throws: FoveaError.invalidArgument("eq: 0.5 is not an int32 value to compare an int32 tensor with")) {
            try a.eq(0.5)
        }
        #expect(throws: FoveaError.invalidArgument("add: dtypes int32 and float32 differ; convert one with to(dtype:)")) {
            try a + Tensor([1, 2, 3], device: device)
        }
    }

    @Test(arguments: testDevices)
    func floatOnlyOpsNameTheOpAndDType(device: Device) throws {
        let ids = try Tensor(indices: [0, 1, 2, 3], shape: [2, 2], device: device)
        #expect(throws: FoveaError.unsupportedDType(op: "exp", .int32)) { try ids.exp() }
        #expect(throws: FoveaError.unsupportedDType(op: "mean", .int32)) { try ids.mean() }
        #expect(throws: FoveaError.unsupportedDType(op: "argmax", .int32)) { try ids.argmax(axis: 0) }
        #expect(throws: FoveaError.unsupportedDType(op: "matmul", .int32)) { try ids.matmul(ids) }
        #expect(throws: FoveaError.unsupportedDType(op: "softmax", .int32)) { try ids.softmax() }
        #expect(FoveaError.unsupportedDType(op: "exp", .int32).description == "exp: dtype int32 is not supported")
    }

    @Test(arguments: testDevices)
    func layoutOpsKeepInt32(device: Device) throws {
        let ids = try Tensor(indices: [0, 1, 2, 3, 4, 5], shape: [2, 3], device: device)
        #expect(try ids.transposed().toInt32Array() == [0, 3, 1, 4, 2, 5])
        #expect(try ids.slice(axis: 1, start: 1, count: 2).toInt32Array() == [1, 2, 4, 5])
        #expect(try Tensor.concatenate([ids, ids], axis: 0).toInt32Array() == [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5])
        #expect(try ids.reshaped(3, 2).dtype == .int32)
        let moved = try ids.to(.cpu)
        #expect(moved.dtype == .int32)
        #expect(try moved.toInt32Array() == [0, 1, 2, 3, 4, 5])
    }

    @Test(arguments: testDevices)
    func int32SumMaxAndMinAreExact(device: Device) throws {
        let x = try Tensor(indices: [16_777_217, 1, -4, 2, 7, 3], shape: [2, 3], device: device)
        #expect(try x.sum().dtype == .int32)
        #expect(try x.sum().toInt32Array() == [16_777_226])
        #expect(try x.sum(axes: [0]).toInt32Array() == [16_777_219, 8, -1])
        #expect(try x.max(axes: [1]).toInt32Array() == [16_777_217, 7])
        #expect(try x.min(axes: [1], keepDims: true).toInt32Array() == [-4, 2])
        // Accuracy as PyTorch users write it: (pred == y).sum().
        let logits = try Tensor([0.1, 0.9, 0.8, 0.2, 0.3, 0.7], shape: [3, 2], device: device)
        let correct = try logits.argmax(axis: 1).eq(Tensor(indices: [1, 0, 0], device: device)).sum()
        #expect(try correct.toInt32Array() == [2])
        let long = try Tensor(indices: Array(repeating: 1, count: 5000), device: device)
        #expect(try long.sum().toInt32Array() == [5000])
    }
}
