import FoveaCore
import FoveaNN
import FoveaTestSupport
import Testing

/// A model a PyTorch user writes first: layers made in stored-property initializers, with no `try`.
final class PropertyNet: Module, UnaryLayer {
    let fc1 = Dense(4, 8)
    let norm = BatchNorm1D(8)
    let drop = Dropout(p: 0.1)
    let fc2 = Dense(8, 3)

    func forward(_ input: Tensor) throws -> Tensor {
        try fc2(drop(norm(fc1(input)).relu()))
    }
}

/// Layer initializers that cannot throw, lazy input sizes, chaining and the editable `Sequential` (issue 11, items 1-3).
@Suite struct ModuleAPITests {
    @Test(arguments: testDevices)
    func storedPropertyLayersChainAndReloadTheirOwnStateDict(device: Device) throws {
        let model = try PropertyNet().to(device)
        try model.to(device).eval()
        #expect(!model.isTraining && !model.fc1.isTraining)
        #expect(model.parameters.allSatisfy { $0.device == device })
        let copy = PropertyNet()
        try copy.loadStateDict(model.stateDict())
        let input = try testTensor([2, 4], device: .cpu, seed: 3)
        copy.eval()
        #expect(try copy(input).toArray() == model.to(.cpu)(input).toArray())
        let twice = [("fc1.weight", model.fc1.weight.value), ("fc1.weight", model.fc1.weight.value)]
        #expect(throws: FoveaError.self) { try copy.loadStateDict(twice) }
    }

    @Test(arguments: testDevices)
    func lazyDenseDrawsWhatAnEagerDenseDrawsAtItsFirstCall(device: Device) throws {
        let lazy = try Dense(outputs: 3, generator: Generator(seed: 9)).to(device)
        let eager = Dense(5, 3, generator: Generator(seed: 9))
        #expect(lazy.inFeatures == 0 && lazy.parameterCount == 3)
        // An optimizer made before the first call holds the same Parameter objects and updates the drawn values.
        let optimizer = SGD(lazy.parameters, learningRate: 0.5)
        let input = try testTensor([2, 5], device: device, seed: 4)
        try lazy(input).sum().backward()
        #expect(lazy.inFeatures == 5 && lazy.weight.shape == [3, 5] && lazy.weight.device == device)
        #expect(try lazy.weight.value.toArray() == eager.weight.value.toArray())
        #expect(try lazy.bias!.value.toArray() == eager.bias!.value.toArray())
        let before = try lazy.weight.value.toArray()
        try optimizer.step()
        #expect(try lazy.weight.value.toArray() != before)
        #expect(throws: FoveaError.self) { try lazy(testTensor([2, 4], device: device)) }

        // A lazy layer that has not seen an input takes its size from a state dict, and keeps the loaded values.
        let loaded = try Dense(outputs: 3).to(device)
        try loaded.loadStateDict(lazy.stateDict())
        #expect(loaded.inFeatures == 5)
        #expect(try loaded(input).toArray() == lazy(input).toArray())
        #expect(throws: FoveaError.self) { try Dense(outputs: 4).loadStateDict(lazy.stateDict()) }
    }

    @Test(arguments: testDevices)
    func lazyConvolutionTakesItsChannelsFromTheFirstInput(device: Device) throws {
        let lazy = try Conv2D(outputs: 4, kernelSize: 3, padding: 1, groups: 2, generator: Generator(seed: 2)).to(device)
        let eager = Conv2D(6, 4, kernelSize: 3, padding: 1, groups: 2, generator: Generator(seed: 2))
        let output = try lazy(testTensor([1, 6, 5, 5], device: device, seed: 5))
        #expect(output.shape == [1, 4, 5, 5] && lazy.inChannels == 6 && lazy.weight.shape == [4, 3, 3, 3])
        #expect(try lazy.weight.value.toArray() == eager.weight.value.toArray())
    }

    @Test(arguments: testDevices)
    func summaryOfALazyModelCountsTheDrawnParameters(device: Device) throws {
        let model = try Sequential {
            Conv2D(outputs: 6, kernelSize: 5, padding: 2)
            ReLU()
            MaxPool2D(kernelSize: 2)
            Flatten()
            Dense(outputs: 10)
        }.to(device)
        let summary = try model.summary(inputShape: [1, 28, 28])
        #expect(summary.contains("Total params: 11,926"), "\(summary)")  // 156 + 6 * 14 * 14 * 10 + 10
        #expect(summary.contains("[N, 10]"))
    }

    @Test func sequentialInsertsRemovesAndReplacesLayers() throws {
        let model = Sequential {
            Dense(4, 8); ReLU(); Dense(8, 3)
        }
        model.eval()
        let dropout = Dropout(p: 0.5)
        model.insert(dropout, at: 2)
        #expect(model.layers.map(\.typeName) == ["Dense", "ReLU", "Dropout", "Dense"] && !dropout.isTraining)
        #expect(model.remove(at: 1) is ReLU)
        model[2] = Dense(8, 5)
        #expect(model[2].parameterCount == 45 && !model[2].isTraining)
        #expect(model.namedParameters.map(\.0) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        #expect(try model(testTensor([2, 4], device: .cpu)).shape == [2, 5])
    }

    @Test func aLayerLeftOnAnotherDeviceIsNamedInTheError() throws {
        guard let device = testDevices.first(where: { $0 != .cpu }) else { return }
        let model = try Sequential {
            Dense(4, 8); ReLU()
        }.to(device)
        model.add(Dense(8, 3))
        let input = try testTensor([2, 4], device: device)
        #expect(throws: FoveaError.deviceMismatch(op: "Sequential layer 2 (Dense)", .cpu, device)) { try model(input) }
        #expect(try model.to(device)(input).shape == [2, 3])
    }
}
