import FoveaCore
import FoveaTestSupport
import Testing

/// A backward never reads values written in place after its forward: every in-place write (optimizer steps, `assign`,
/// `fill`, running statistics, through any view of the storage) counts, and a backward that reads the written tensor
/// refuses to run, naming the op, as PyTorch's version counter does. Backwards that read nothing are not affected.
@Suite struct InPlaceWriteTests {
    func values(_ shape: Shape, _ device: Device, requiresGrad: Bool = false) throws -> Tensor {
        let count = shape.count
        return try Tensor(
            (0..<count).map { Float($0 % 7) * 0.25 - 0.5 }, shape: shape, device: device, requiresGrad: requiresGrad)
    }

    func expectRefusal(naming op: String, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("backward ran on values written in place after \(op)")
        } catch {
            let message = "\(error)"
            #expect(message.contains("\(op)'s backward reads") && message.contains("modified in place"), "\(message)")
        }
    }

    @Test(arguments: testDevices)
    func writingAnInputAMatmulSavedIsRefused(device: Device) throws {
        let x = try values([2, 3], device), w = try values([3, 4], device, requiresGrad: true)
        let loss = try x.matmul(w).sum()
        try x.fill(1)
        expectRefusal(naming: "matmul") { try loss.backward() }
        #expect(w.grad == nil)
        // A new forward after the write sees the new values and differentiates.
        try x.matmul(w).sum().backward()
        #expect(try w.grad!.toArray() == [Float](repeating: 2, count: 12))
    }

    @Test(arguments: testDevices)
    func anOptimizerStepBetweenForwardAndBackwardIsRefusedWhereTheWeightIsRead(device: Device) throws {
        // x needs a gradient, which is read from w: the step makes it stale.
        let x = try values([2, 3], device, requiresGrad: true), w = try values([3, 4], device, requiresGrad: true)
        let first = try x.matmul(w).sum(), second = try x.matmul(w).mul(2).sum()
        try first.backward()
        try OptimizerKernels.sgd(param: w, grad: w.grad!, momentumBuffer: nil, lr: 0.1, isFirstStep: true)
        expectRefusal(naming: "matmul") { try second.backward() }
        // The same through conv2d.
        let image = try values([1, 2, 4, 4], device, requiresGrad: true)
        let kernel = try values([3, 2, 3, 3], device, requiresGrad: true)
        let convolved = try image.conv2d(weight: kernel).sum()
        try OptimizerKernels.sgd(
            param: kernel, grad: try Tensor.ones(kernel.shape, device: device), momentumBuffer: nil, lr: 0.1, isFirstStep: true)
        expectRefusal(naming: "conv2d") { try convolved.backward() }
    }

    /// As in PyTorch, a side is saved only for the other side's gradient: with data that needs none, a step on the
    /// weight before `backward()` changes nothing the backward reads, and the weight's gradient is the data's.
    @Test(arguments: testDevices)
    func aStepOnAWeightWhoseInputNeedsNoGradientIsAllowed(device: Device) throws {
        let x = try values([2, 3], device), w = try values([3, 4], device, requiresGrad: true)
        let loss = try x.matmul(w).sum()
        let bias = try values([4], device, requiresGrad: true), weight = try values([4, 3], device, requiresGrad: true)
        let dense = try x.linear(weight: weight, bias: bias).sum()
        for parameter in [w, weight, bias] {
            try OptimizerKernels.sgd(
                param: parameter, grad: try Tensor.ones(parameter.shape, device: device), momentumBuffer: nil, lr: 0.1,
                isFirstStep: true)
        }
        try loss.backward()
        try dense.backward()
        // d(sum(x w))/dw[k][j] = sum over rows of x[row][k]; the same for the linear weight, transposed.
        let columnSums = try x.sum(axes: [0]).toArray()
        #expect(try w.grad!.toArray() == columnSums.flatMap { [Float](repeating: $0, count: 4) })
        #expect(try weight.grad!.toArray() == (0..<4).flatMap { _ in columnSums })
        #expect(try bias.grad!.toArray() == [2, 2, 2, 2])
    }

    @Test(arguments: testDevices)
    func aWriteThroughAViewOfTheStorageCounts(device: Device) throws {
        let x = try values([4, 3], device), w = try values([3], device, requiresGrad: true)
        let loss = try x.mul(w).sum()
        try x[2].fill(5)
        expectRefusal(naming: "mul") { try loss.backward() }
        let base = try values([6], device)
        let viewLoss = try base.reshaped(2, 3).mul(w).sum()
        try base.assign(try values([6], device).mul(3))
        expectRefusal(naming: "mul") { try viewLoss.backward() }
    }

    @Test(arguments: testDevices)
    func writingASavedOutputThroughDetachIsRefused(device: Device) throws {
        let x = try values([5], device, requiresGrad: true)
        let y = try x.sigmoid()
        let loss = try y.sum()
        try y.detach().fill(0)
        expectRefusal(naming: "sigmoid") { try loss.backward() }
    }

    @Test(arguments: testDevices)
    func backwardsThatReadNothingIgnoreWrites(device: Device) throws {
        let a = try values([2, 3], device, requiresGrad: true), b = try values([2, 3], device)
        let loss = try a.add(b).sub(b).mul(3).reshaped(6).sum()
        try b.fill(9)
        try loss.backward()
        #expect(try a.grad!.toArray() == [Float](repeating: 3, count: 6))
    }

    @Test(arguments: testDevices)
    func batchNormRunningStatisticsAreNotSaved(device: Device) throws {
        // One BatchNorm used twice in a step (a shared layer): the second forward updates the running statistics the
        // first forward also updated, and neither backward reads them.
        let x = try values([4, 2, 3], device, requiresGrad: true)
        let weight = try Tensor.ones([2], device: device, requiresGrad: true)
        let mean = try Tensor.zeros([2], device: device), variance = try Tensor.ones([2], device: device)
        let first = try x.batchNorm(weight: weight, bias: nil, runningMean: mean, runningVar: variance, training: true)
        let second = try x.mul(2).batchNorm(
            weight: weight, bias: nil, runningMean: mean, runningVar: variance, training: true)
        try first.mul(second).sum().backward()
        #expect(x.grad != nil && weight.grad != nil)
        // Writing the weight, which the backward reads, is refused.
        let third = try x.batchNorm(weight: weight, bias: nil, runningMean: mean, runningVar: variance, training: true)
        try OptimizerKernels.sgd(param: weight, grad: weight.grad!, momentumBuffer: nil, lr: 0.1, isFirstStep: true)
        expectRefusal(naming: "batchNorm") { try third.sum().backward() }
    }

    @Test(arguments: testDevices)
    func gatherRefusesRewrittenIndices(device: Device) throws {
        let table = try values([5, 2], device, requiresGrad: true)
        let ids = try Tensor(int32: [0, 3, 3], shape: [3], device: device)
        let loss = try table.gather(rows: ids).sum()
        try ids.fill(1)
        expectRefusal(naming: "gather") { try loss.backward() }
    }
}
