import FoveaTestSupport
import Testing

@testable import FoveaCore

/// Kernels that give each work item a chunk of elements (on CPU devices: Kernels/chunk.cl) against the CPU backend, at
/// sizes that span several chunks and end in a partial one.
@Suite struct OpenCLChunkedKernelTests {
    @Test func elementwiseOpsAcrossChunksMatchCPU() throws {
        guard testDevices.count == 2 else { return }
        let shape: Shape = [5, 1, 517]  // 2585 elements
        var results: [[[Float]]] = []
        for device in testDevices {
            let a = try testTensor(shape, device: device, seed: 1, requiresGrad: true)
            let b = try testTensor(shape, device: device, seed: 2)
            let s = try Tensor([0.5], shape: [], device: device)
            let y = try a.sigmoid() + a.relu() * b - s * b + b / s
            try y.sum().backward()
            results.append([try y.toArray(), try a.grad!.toArray()])
        }
        #expect(allClose(results[0][0], results[1][0]), "values: \(maxAbsDifference(results[0][0], results[1][0]))")
        #expect(allClose(results[0][1], results[1][1]), "gradients: \(maxAbsDifference(results[0][1], results[1][1]))")
    }

    /// Every optimizer step, two steps each, over 2585 parameters.
    @Test func optimizerStepsAcrossChunksMatchCPU() throws {
        guard testDevices.count == 2 else { return }
        let shape: Shape = [5, 517]
        var results: [[Float]] = []
        for device in testDevices {
            func parameter(_ seed: UInt64) throws -> Tensor { try testTensor(shape, device: device, seed: seed) }
            let gradient = try parameter(10)
            let (sgd, adam, rmsprop, adagrad) = (try parameter(1), try parameter(2), try parameter(3), try parameter(4))
            let (velocity, m, v) = (
                try Tensor.zeros(shape, device: device), try Tensor.zeros(shape, device: device),
                try Tensor.zeros(shape, device: device)
            )
            let (square, average, buffer, sum) = (
                try Tensor.zeros(shape, device: device), try Tensor.zeros(shape, device: device),
                try Tensor.zeros(shape, device: device), try Tensor.zeros(shape, device: device)
            )
            for step in 1...2 {
                try OptimizerKernels.sgd(
                    param: sgd, grad: gradient, momentumBuffer: velocity, lr: 0.1, momentum: 0.9, weightDecay: 0.01,
                    nesterov: true, isFirstStep: step == 1)
                try OptimizerKernels.adam(param: adam, grad: gradient, m: m, v: v, lr: 0.01, weightDecay: 0.1, step: step)
                try OptimizerKernels.rmsprop(
                    param: rmsprop, grad: gradient, squareAvg: square, gradAvg: average, momentumBuffer: buffer, lr: 0.01,
                    momentum: 0.5)
                try OptimizerKernels.adagrad(param: adagrad, grad: gradient, sum: sum, lr: 0.1, step: step)
            }
            let norm = try Tensor.zeros([1], device: device)
            try OptimizerKernels.addSumOfSquares(gradient, into: norm)
            try OptimizerKernels.clipToNorm(gradient, sumOfSquares: norm, maxNorm: 1)
            results.append(try [sgd, adam, rmsprop, adagrad, gradient].flatMap { try $0.toArray() })
        }
        let agree = allClose(results[0], results[1])
        #expect(agree, "max difference \(maxAbsDifference(results[0], results[1]))")
    }

    /// fill and axpy at an offset into a larger buffer, leaving the elements around it alone.
    @Test func fillAndAxpyAcrossChunksTouchOnlyTheirRange() throws {
        guard let device = testDevices.first(where: { $0 != .cpu }), case .opencl(let index) = device else { return }
        let backend = try OpenCLBackend.backend(forDevice: index)
        let (count, offset) = (2585, 3)
        let buffer = try backend.allocate(count + 10), x = try backend.allocate(count + 10)
        try backend.fill(buffer, offset: 0, count: count + 10, value: -1)
        try backend.fill(buffer, offset: offset, count: count, value: 2)
        try backend.fill(x, offset: 0, count: count + 10, value: 0.5)
        try backend.axpy(alpha: 4, x: x, y: buffer, count: count)
        let values = try Tensor(shape: [count + 10], device: device, storage: buffer).toArray()
        let expected = (0..<count + 10).map { i -> Float in
            let filled: Float = i >= offset && i < offset + count ? 2 : -1
            return i < count ? filled + 2 : filled
        }
        let mismatches = values.indices.filter { values[$0] != expected[$0] }
        #expect(mismatches.isEmpty, "elements \(mismatches.prefix(5)) differ")
    }

    /// Uniform draws and dropout over 774 Philox blocks (several chunks of blocks, the last one partial), from a block
    /// counter that carries into its high word within the draw: bit-identical across backends.
    @Test func randomKernelsAcrossChunksAreBitIdenticalToCPU() throws {
        guard testDevices.count == 2 else { return }
        let state = PhiloxState(seed: 0xDEAD_BEEF_1234_5678, offset: (1 << 34) - 1024)
        var draws: [[Float]] = []
        for device in testDevices {
            let generator = Generator()
            generator.state = state
            let uniform = try Tensor.uniform([3, 1031], low: -2, high: 3, generator: generator, device: device)
            let dropped = try uniform.dropout(p: 0.3, generator: generator)
            draws.append(try uniform.toArray() + dropped.toArray())
        }
        let identical = draws[0] == draws[1]
        #expect(identical, "\(zip(draws[0], draws[1]).filter { $0 != $1 }.count) of \(draws[0].count) values differ")
    }
}
