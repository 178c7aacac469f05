import FoveaCore
import FoveaData
import FoveaTestSupport
import Testing

/// Two samples of one feature with regression targets.
private struct Regression: Dataset {
    let count = 2, sampleShape: Shape = [1], classNames: [String] = []
    func label(at index: Int) -> Int { 0 }
    func copyFeatures(at index: Int, into destination: UnsafeMutablePointer<Float>) { destination.pointee = Float(index) }
    func regressionTarget(at index: Int) -> Float? { Float(index) / 2 }
}

@Suite struct MultiTensorDatasetTests {
    /// Five samples: input 0 [2] holds (i, 10 i), input 1 [1, 3] holds 100 i + k; class i % 3; values (-i, i / 2).
    static func numbered() throws -> InMemoryMultiTensorDataset {
        try InMemoryMultiTensorDataset(
            inputs: [
                ((0..<5).flatMap { [Float($0), Float(10 * $0)] }, [2]),
                ((0..<5).flatMap { i in (0..<3).map { Float(100 * i + $0) } }, [1, 3]),
            ],
            targets: [
                .classes((0..<5).map { Int32($0 % 3) }), .values((0..<5).flatMap { [Float(-$0), Float($0) / 2] }, shape: [2]),
            ])
    }

    @Test(arguments: testDevices)
    func batchesHoldOneTensorPerInputAndPerTarget(device: Device) throws {
        let loader = try DataLoader(try Self.numbered(), batchSize: 3, shuffle: false, device: device)
        #expect(loader.targetKinds == [.classIndex, .values([2])])
        let batches = Array(loader)
        #expect(batches.map { $0.allInputs.map(\.shape) } == [[[3, 2], [3, 1, 3]], [[2, 2], [2, 1, 3]]])
        #expect(batches.map { $0.allTargets.map(\.shape) } == [[[3], [3, 2]], [[2], [2, 2]]])
        let last = batches[1]
        #expect(last.indices == [3, 4] && last.allInputs.allSatisfy { $0.device == device })
        #expect(try last.allInputs[0].toArray() == [3, 30, 4, 40])
        #expect(try last.allInputs[1].toArray() == [300, 301, 302, 400, 401, 402])
        #expect(last.allTargets[0].dtype == .int32)
        #expect(try last.allTargets[0].toInt32Array() == [0, 1])
        #expect(try last.allTargets[1].toArray() == [-3, 1.5, -4, 2])
        #expect(last.inputs === last.allInputs[0] && last.targets === last.allTargets[0], "inputs and targets are the first ones")
    }

    @Test func shuffledBatchesKeepEachSamplesPartsTogether() throws {
        let loader = try DataLoader(try Self.numbered(), batchSize: 2, seed: 4)
        for batch in loader {
            #expect(try batch.allInputs[0].toArray() == batch.indices.flatMap { [Float($0), Float(10 * $0)] })
            #expect(try batch.allTargets[0].toInt32Array() == batch.indices.map { Int32($0 % 3) })
        }
    }

    @Test func aOneTensorDataSetHasOneTargetKind() throws {
        let classes = try InMemoryDataset(features: [1, 2], labels: [0, 1], sampleShape: [1])
        #expect(try DataLoader(classes).targetKinds == [.classIndex])
        #expect(try DataLoader(Regression()).targetKinds == [.values([1])])
        let batch = try #require(Array(try DataLoader(classes, shuffle: false)).first)
        #expect(batch.allInputs.count == 1 && batch.allTargets.count == 1)
    }

    @Test func splitAndSubsetKeepSamplesWhole() throws {
        let data = try Self.numbered()
        #expect(data.count == 5 && data.inputShapes == [[2], [1, 3]] && data.sampleShape == [2])
        #expect(data.label(at: 4) == 1, "as a Dataset, the first class-index target is the label")
        let picked = try data.subset([4, 1, 1])
        #expect(picked.count == 3 && picked.classIndex(of: 0, at: 0) == 1)
        #expect(try picked[2].features == [1, 10])
        let (train, validation) = try data.split(validationFraction: 0.4, seed: 1)
        let plain = try InMemoryDataset(features: (0..<5).map(Float.init), labels: [0, 0, 0, 0, 0], sampleShape: [1])
        let (plainTrain, plainValidation) = try plain.split(validationFraction: 0.4, seed: 1)
        #expect((0..<train.count).map { Int(try! train[$0].features[0]) } == plainTrain.features.map(Int.init))
        #expect((0..<validation.count).map { Int(try! validation[$0].features[0]) } == plainValidation.features.map(Int.init))
    }

    /// A lazy subset (for data sets not in memory) keeps every input and target; `DatasetSubset`, which would keep only
    /// the first input, refuses a multi-tensor data set.
    @Test(arguments: testDevices)
    func lazySubsetsKeepEveryInputAndTarget(device: Device) throws {
        let data = try Self.numbered()
        let picked = try MultiTensorDatasetSubset(data, indices: [4, 1, 1])
        #expect(picked.count == 3 && picked.inputShapes == data.inputShapes && picked.targetKinds == data.targetKinds)
        let batch = try #require(Array(try DataLoader(picked, batchSize: 3, shuffle: false, device: device)).first)
        #expect(try batch.allInputs[0].toArray() == [4, 40, 1, 10, 1, 10])
        #expect(try batch.allInputs[1].toArray() == [400, 401, 402, 100, 101, 102, 100, 101, 102])
        #expect(try batch.allTargets[0].toInt32Array() == [1, 1, 1])
        #expect(try batch.allTargets[1].toArray() == [-4, 2, -1, 0.5, -1, 0.5])
        // The same samples as the in-memory split.
        let (train, validation) = try MultiTensorDatasetSubset.split(data, validationFraction: 0.4, seed: 1)
        let (memoryTrain, memoryValidation) = try data.split(validationFraction: 0.4, seed: 1)
        #expect(
            try (0..<train.count).map { try train[$0].features } == (0..<memoryTrain.count).map { try memoryTrain[$0].features })
        #expect(
            try (0..<validation.count).map { try validation[$0].features }
                == (0..<memoryValidation.count).map { try memoryValidation[$0].features })
        #expect(throws: FoveaError.self) { try MultiTensorDatasetSubset(data, indices: [5]) }
        do {
            _ = try DatasetSubset(data, indices: [0])
            Issue.record("DatasetSubset took a multi-tensor data set")
        } catch {
            #expect("\(error)".contains("use MultiTensorDatasetSubset"), "\(error)")
        }
    }

    @Test func badArraysAndTransformsAreRefusedInOneLine() throws {
        func message(_ body: () throws -> Any) -> String {
            do { _ = try body(); return "no error" } catch { return "\(error)" }
        }
        #expect(
            message { try InMemoryMultiTensorDataset(inputs: [([1, 2, 3], [2])], targets: [.classes([0, 1])]) }
                .contains("input 0 has 3 features, not 2 samples of shape [2]"))
        #expect(
            message {
                try InMemoryMultiTensorDataset(
                    inputs: [([1, 2], [1])], targets: [.classes([0, 1]), .values([1, 2, 3], shape: [1])])
            }
            .contains("target 1 has 3 samples, target 0 has 2"))
        #expect(
            message { try InMemoryMultiTensorDataset(inputs: [([1, 2], [1])], targets: [.classes([0, -1])]) }.contains(
                "class -1 at sample 1"))
        #expect(
            message { try InMemoryMultiTensorDataset(inputs: [([1, 2], [1])], targets: [.values([1, 2, 3], shape: [2])]) }
                .contains("3 values, not samples of shape [2]"))
        #expect(message { try InMemoryMultiTensorDataset(inputs: [], targets: [.classes([0])]) }.contains("at least one input"))
        #expect(
            message { try DataLoader(try Self.numbered(), transform: GaussianNoise(standardDeviation: 0.1)) }
                .contains("transforms apply to one-input data sets"))
    }
}
