import FoveaCore
import FoveaNN
import FoveaTestSupport
import Testing

/// One Dense layer applied twice with a skip connection, and the same layer stored under a second name (tied weights).
final class SharedLayerNet: Module, UnaryLayer {
    let shared: Dense
    let alias: Dense

    init(features: Int) throws {
        shared = Dense(features, features)
        alias = shared
        super.init()
    }

    func forward(_ input: Tensor) throws -> Tensor {
        try shared(shared(input).tanh()) + input
    }
}

/// Children held in an array and in a nested Sequential.
final class NestedNet: Module, UnaryLayer {
    let blocks: [any UnaryLayer]
    let head: Sequential

    init(blocks: [any UnaryLayer], head: Sequential) {
        self.blocks = blocks
        self.head = head
        super.init()
    }

    func forward(_ input: Tensor) throws -> Tensor {
        try head(blocks.reduce(input) { try $1($0) })
    }
}

/// Parameters held directly and in an array (PyTorch's ParameterList).
final class ScaleNet: Module, UnaryLayer {
    let offset = Parameter(try! Tensor([0.5]))
    let scales = [Parameter(try! Tensor([2])), Parameter(try! Tensor([3]))]

    func forward(_ input: Tensor) throws -> Tensor {
        try scales.reduce(input) { try $0 * $1.value } + offset.value
    }
}

@Suite struct ModuleTests {
    @Test(arguments: testDevices)
    func sequentialAddPopAndLayers(device: Device) throws {
        let model = Sequential()
        #expect(model.layers.isEmpty)
        #expect(throws: FoveaError.self) { try model.pop() }
        let dense = Dense(4, 3), relu = ReLU()
        model.add(dense)
        model.add(relu)
        #expect(model.layers.count == 2 && model.layers[0] === dense)
        #expect(try model.pop() === relu)
        #expect(model.layers.count == 1)
        model.eval()
        let dropout = Dropout(p: 0.5)
        model.add(dropout)
        #expect(!dropout.isTraining)
        try model.to(device)
        let x = try testTensor([2, 4], device: device, seed: 1)
        #expect(try model(x).toArray() == dense(x).toArray())

        let withDropout = true
        let built = Sequential {
            Dense(4, 4)
            if withDropout { Dropout(p: 0.1) }
            for _ in 0..<2 { Tanh() }
            [ReLU(), Identity()]
        }
        #expect(built.layers.map(\.typeName) == ["Dense", "Dropout", "Tanh", "Tanh", "ReLU", "Identity"])
        #expect(built.namedChildren.map(\.0) == ["0", "1", "2", "3", "4", "5"])
    }

    @Test(arguments: testDevices)
    func sharedLayerAccumulatesGradientsFromBothUses(device: Device) throws {
        let model = try SharedLayerNet(features: 3)
        try model.to(device)
        #expect(model.namedParameters.map(\.0) == ["shared.weight", "shared.bias"])
        #expect(model.parameterCount == 12)
        #expect(model.stateDict().map(\.0) == ["shared.weight", "shared.bias", "alias.weight", "alias.bias"])
        let input = try testTensor([5, 3], device: device, seed: 2)
        let result = try layerGradientCheck(model, input: input)
        #expect(result.worstError < 1e-2, "\(result)")

        // The same computation with two untied copies: the shared gradient is the sum of theirs.
        let first = Dense(3, 3), second = Dense(3, 3)
        for layer in [first, second] {
            try layer.to(device)
            try layer.loadStateDict(Dictionary(uniqueKeysWithValues: model.shared.stateDict()))
        }
        model.zeroGrad()
        try (try model(input)).sum().backward()
        try (try second(first(input).tanh()) + input).sum().backward()
        let summed = try zip(first.weight.grad!.toArray(), second.weight.grad!.toArray()).map { $0 + $1 }
        #expect(allClose(try model.shared.weight.grad!.toArray(), summed))

        // One optimizer step moves the shared weight once.
        let before = try model.shared.weight.value.toArray()
        let grad = try model.shared.weight.grad!.toArray()
        try SGD(model.parameters, learningRate: 0.1).step()
        #expect(allClose(try model.shared.weight.value.toArray(), zip(before, grad).map { $0 - 0.1 * $1 }))
    }

    @Test func trainAndEvalReachEveryDescendant() throws {
        let dropout = Dropout(p: 0.5), norm = BatchNorm1D(4)
        let model = NestedNet(blocks: [Dense(4, 4), norm], head: Sequential([ReLU(), dropout]))
        #expect(model.namedParameters.map(\.0) == ["blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias"])
        #expect(model.namedChildren.map(\.0) == ["blocks.0", "blocks.1", "head"])
        model.eval()
        #expect(!model.isTraining && !norm.isTraining && !dropout.isTraining && !model.head.isTraining)
        model.train()
        #expect(model.isTraining && norm.isTraining && dropout.isTraining && model.head.layers[0].isTraining)
    }

    @Test(arguments: testDevices)
    func parameterArraysAreNamedByIndex(device: Device) throws {
        let model = ScaleNet()
        try model.to(device)
        #expect(model.namedParameters.map(\.0) == ["offset", "scales.0", "scales.1"])
        #expect(model.parameters.allSatisfy { $0.device == device })
        let result = try layerGradientCheck(model, input: try testTensor([4], device: device, seed: 5))
        #expect(result.worstError < 1e-2, "\(result)")
    }

    @Test func summaryRestoresEachModulesOwnMode() throws {
        let model = Sequential {
            Dense(4, 4); BatchNorm1D(4); Dropout(p: 0.5)
        }
        model.layers[1].eval()
        _ = try model.summary(inputShape: [4])
        #expect(model.isTraining && model.layers[0].isTraining && !model.layers[1].isTraining && model.layers[2].isTraining)
        model.eval()
        _ = try model.summary(inputShape: [4])
        #expect(!model.isTraining && !model.layers[2].isTraining)
    }

    @Test(arguments: testDevices)
    func dropoutIsTheIdentityInEvaluation(device: Device) throws {
        let dropout = Dropout(p: 0.5, generator: Generator(seed: 1))
        let x = try testTensor([4, 8], device: device, seed: 3)
        let dropped = try dropout(x).toArray()
        #expect(dropped.filter { $0 == 0 }.count > 4)
        dropout.eval()
        #expect(try dropout(x).toArray() == x.toArray())
    }

    @Test(arguments: testDevices)
    func batchNormUsesBatchStatisticsInTrainingAndRunningStatisticsInEvaluation(device: Device) throws {
        let norm = BatchNorm1D(2)
        try norm.to(device)
        try setValues(norm.weight!, [2, 0.5])
        try setValues(norm.bias!, [0.1, -0.2])
        let x = try Tensor([1, -2, 3, 0.5, -1, 4], shape: [3, 2], device: device)
        // torch.nn.BatchNorm1d(2) with the same affine parameters, in training and then in evaluation.
        #expect(allClose(try norm(x).toArray(), [0.1, -0.77569216, 2.5494852, -0.26772851, -2.3494849, 0.44342065]))
        #expect(allClose(try norm.runningMean.value.toArray(), [0.1, 0.083333336]))
        #expect(allClose(try norm.runningVar.value.toArray(), [1.3, 1.8083334]))
        #expect(try norm.numBatchesTracked.value.toInt32Array() == [1])
        norm.eval()
        #expect(allClose(try norm(x).toArray(), [1.6786984, -0.97461927, 5.1869173, -0.045076147, -1.8295203, 1.2562842]))
        #expect(allClose(try norm.runningMean.value.toArray(), [0.1, 0.083333336]))
        #expect(try norm.numBatchesTracked.value.toInt32Array() == [1])
        // One sample is fine in evaluation; training needs more than one value per channel.
        #expect(try norm(try Tensor([1, 2], shape: [1, 2], device: device)).shape == [1, 2])
        norm.train()
        #expect(throws: FoveaError.self) { try norm(try Tensor([1, 2], shape: [1, 2], device: device)) }
        #expect(throws: FoveaError.self) { try norm(try Tensor.zeros([3, 3], device: device)) }
        #expect(try norm.numBatchesTracked.value.toInt32Array() == [1], "a failed forward counts no batch")
    }

    @Test(arguments: testDevices)
    func badInputThrowsInsteadOfCrashing(device: Device) throws {
        func message(_ body: () throws -> Any) -> String {
            do { _ = try body(); return "no error" } catch { return "\(error)" }
        }
        let dense = Dense(4, 3)
        try dense.to(device)
        #expect(message { try dense(try Tensor.zeros([2, 5], device: device)) }.contains("[2, 5]"))
        #expect(message { try Conv2D(outputs: 4, kernelSize: 3, groups: 2)(Tensor.zeros([1, 3, 5, 5])) }.contains("groups=2"))
        #expect(message { try BatchNorm2D(3)(Tensor.zeros([2, 4, 3, 3])) }.contains("3 channels"))
        if device != .cpu {
            let onCPU = Dense(4, 3)
            #expect(message { try onCPU(try Tensor.zeros([2, 4], device: device)) }.contains("different devices"))
        }
    }

    @Test(arguments: testDevices)
    func toMovesEveryParameterAndBuffer(device: Device) throws {
        let model = try Models.resnetSmall(inputShape: [3, 8, 8], classes: 3, blocksPerStage: 1)
        model.layers[0].freeze()
        let values = try model.stateDict().map { try $0.1.to(dtype: .float32).toArray() }
        try model.to(device)
        #expect(model.stateDict().allSatisfy { $0.1.device == device })
        #expect(try model.stateDict().map { try $0.1.to(dtype: .float32).toArray() } == values)
        #expect(model.parameters.allSatisfy { $0.value.requiresGrad == !$0.isFrozen })
        #expect(model.layers[0].parameters.allSatisfy { $0.isFrozen })
        let output = try model(try testTensor([2, 3, 8, 8], device: device, seed: 4))
        #expect(output.shape == [2, 3] && output.device == device)
        try model.to(.cpu)
        #expect(model.stateDict().allSatisfy { $0.1.device == .cpu })
    }

    @Test(arguments: testDevices)
    func summaryCountsParametersAndShowsShapes(device: Device) throws {
        let mlp = try Models.mlp(inputFeatures: 784, hidden: [256], classes: 10)
        let mlpSummary = try mlp.summary(inputShape: [1, 28, 28])
        #expect(mlpSummary.contains("Total params: 203,530"), "\(mlpSummary)")
        #expect(mlpSummary.contains("[N, 784]") && mlpSummary.contains("[N, 256]") && mlpSummary.contains("[N, 10]"))

        let lenet = try Models.lenet5()
        try lenet.to(device)
        #expect(lenet.parameterCount == 61_706)
        let summary = try lenet.summary(inputShape: [1, 28, 28])
        #expect(summary.contains("Total params: 61,706") && summary.contains("Trainable params: 61,706"), "\(summary)")
        for shape in [
            "[N, 6, 28, 28]", "[N, 6, 14, 14]", "[N, 16, 10, 10]", "[N, 16, 5, 5]", "[N, 400]", "[N, 120]", "[N, 84]", "[N, 10]",
        ] {
            #expect(summary.contains(shape), "\(shape) missing from\n\(summary)")
        }
        #expect(summary.contains("0 (Conv2D)") && summary.contains("156") && summary.contains("48,120"))
        #expect(lenet.isTraining)
    }
}
