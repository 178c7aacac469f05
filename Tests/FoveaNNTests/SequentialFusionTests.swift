import FoveaCore
import FoveaNN
import FoveaTestSupport
import Testing

/// `Sequential` runs a Conv2D or Dense followed by ReLU, Sigmoid or Tanh, and a BatchNorm followed by ReLU, as one fused op, with
/// the same outputs and gradients as the layers one by one, and not when a hook or a summary has to see the activation
/// layer run; likewise a `ResidualBlock`'s last BatchNorm, skip addition and ReLU.
@Suite struct SequentialFusionTests {
    private func model() -> Sequential {
        Sequential {
            Conv2D(2, 3, kernelSize: 3, padding: 1, generator: Generator(seed: 1))
            ReLU()
            Conv2D(3, 4, kernelSize: 3, generator: Generator(seed: 2))
            BatchNorm2D(4)
            ReLU()
            Conv2D(4, 2, kernelSize: 1, bias: false, generator: Generator(seed: 3))
            Sigmoid()
            Conv2D(2, 2, kernelSize: 1, generator: Generator(seed: 4))
            Tanh()
            Flatten()
            Dense(32, 5, generator: Generator(seed: 5))
            ReLU()
            Dense(5, 3, bias: false, generator: Generator(seed: 6))
            Sigmoid()
        }
    }

    /// Output, input gradient and every parameter gradient of `model` on `x`, through `forward`.
    private func run(_ model: Module, _ x: Tensor, forward: (Tensor) throws -> Tensor) throws -> [[Float]] {
        x.grad = nil
        model.zeroGrad()
        let y = try forward(x)
        try y.backward(try testTensor(y.shape, device: x.device, seed: 72))
        return [try y.toArray(), try x.grad!.toArray()] + (try model.parameters.map { try $0.value.grad!.toArray() })
    }

    @Test(arguments: testDevices)
    func fusedLayersMatchTheLayersOneByOne(device: Device) throws {
        let model = model()
        try model.to(device)
        let x = try testTensor([2, 2, 6, 6], device: device, seed: 71, requiresGrad: true)
        let fused = try run(model, x) { try model($0) }
        let oneByOne = try run(model, x) { input in try model.layers.reduce(input) { try $1($0) } }
        #expect(fused.count == oneByOne.count)
        for (index, (a, b)) in zip(fused, oneByOne).enumerated() {
            #expect(allClose(a, b), "part \(index): \(maxAbsDifference(a, b))")
        }
    }

    @Test func anActivationWithAHookStillRunsAsALayer() throws {
        let model = model()
        var calls = 0
        let handle = model.layers[1].registerForwardHook { _, _, _ in
            calls += 1; return nil
        }
        _ = try model(try testTensor([1, 2, 6, 6], device: .cpu, seed: 73))
        #expect(calls == 1)
        handle.remove()
        #expect(try model.summary(inputShape: [2, 6, 6]).contains("ReLU"))
    }

    @Test(arguments: testDevices)
    func residualBlocksEndInOneOpWithTheResultsOfTheOpsOneByOne(device: Device) throws {
        for block in [ResidualBlock(2, 3, stride: 2), ResidualBlock(2, 2)] {
            try block.to(device)
            let x = try testTensor([2, 2, 6, 6], device: device, seed: 74, requiresGrad: true)
            let fused = try run(block, x) { try block($0) }
            // A hook on bn2 makes the block run bn2, the addition and the ReLU one by one.
            var calls = 0
            let handle = block.bn2.registerForwardHook { _, _, _ in
                calls += 1; return nil
            }
            let oneByOne = try run(block, x) { try block($0) }
            handle.remove()
            #expect(calls == 1)
            for (index, (a, b)) in zip(fused, oneByOne).enumerated() {
                #expect(
                    allClose(a, b),
                    "\(block.shortcut == nil ? "identity" : "projection") part \(index): \(maxAbsDifference(a, b))")
            }
        }
    }
}
