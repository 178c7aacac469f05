import FoveaCore
import FoveaNN
import FoveaTestSupport
import Testing

/// End-to-end training: overfitting one batch, the same loss curve on both backends, and a newcomer's first program.
@Suite struct TrainingTests {
    /// conv-relu-pool-flatten-dense on 1x8x8 images, 3 classes; optionally with BatchNorm and a seeded Dropout.
    static func smallCNN(batchNorm: Bool = false, dropoutSeed: UInt64? = nil) throws -> Sequential {
        Sequential {
            Conv2D(1, 4, kernelSize: 3, padding: 1)
            if batchNorm { BatchNorm2D(4) }
            ReLU()
            MaxPool2D(kernelSize: 2)
            Flatten()
            if let dropoutSeed { Dropout(p: 0.2, generator: Generator(seed: dropoutSeed)) }
            Dense(64, 3)
        }
    }

    static func batch(_ device: Device) throws -> (Tensor, Tensor) {
        (try testTensor([8, 1, 8, 8], device: device, seed: 11), try Tensor(indices: [0, 1, 2, 0, 1, 2, 0, 1], device: device))
    }

    @Test(arguments: testDevices)
    func smallCNNOverfitsOneBatch(device: Device) throws {
        let model = try Self.smallCNN()
        try fillWeights(model, seed: 1)
        try model.to(device)
        let (images, labels) = try Self.batch(device)
        let optimizer = Adam(model.parameters, learningRate: 0.01)
        let loss = CrossEntropyLoss()
        var last = Float.infinity
        for step in 1...150 {
            optimizer.zeroGrad()
            let value = try loss(try model(images), labels)
            try value.backward()
            try optimizer.step()
            if step % 25 == 0 {
                last = try value.item()
                if last < 0.05 { break }
            }
        }
        #expect(last < 0.05)
        model.eval()
        let predictions = try model(images).argmax(axis: 1).toInt32Array()
        #expect(try predictions == labels.toInt32Array())
    }

    @Test func cpuAndOpenCLFollowTheSameLossCurve() throws {
        guard let openCL = testDevices.first(where: { $0 != .cpu }) else { return }
        let cpuModel = try Self.smallCNN(batchNorm: true, dropoutSeed: 7)
        let openCLModel = try Self.smallCNN(batchNorm: true, dropoutSeed: 7)
        try openCLModel.to(openCL)
        try openCLModel.loadStateDict(Dictionary(uniqueKeysWithValues: cpuModel.stateDict()))
        var curves: [[Float]] = []
        for (model, device) in [(cpuModel, Device.cpu), (openCLModel, openCL)] {
            let (images, labels) = try Self.batch(device)
            let optimizer = SGD(model.parameters, learningRate: 0.05, momentum: 0.9, weightDecay: 1e-3)
            var losses: [Float] = []
            for _ in 0..<20 {
                optimizer.zeroGrad()
                let loss = try CrossEntropyLoss(labelSmoothing: 0.1)(try model(images), labels)
                try loss.backward()
                try clipGradientNorm(model.parameters, maxNorm: 5)
                try optimizer.step()
                losses.append(try loss.item())
            }
            curves.append(losses)
        }
        #expect(curves[0].last! < curves[0].first!)
        #expect(allClose(curves[1], curves[0], atol: 1e-5, rtol: 1e-3), "CPU \(curves[0])\nOpenCL \(curves[1])")
        for ((name, a), (_, b)) in zip(cpuModel.stateDict(), openCLModel.stateDict()) {
            #expect(
                allClose(try b.to(dtype: .float32).toArray(), try a.to(dtype: .float32).toArray(), atol: 1e-4, rtol: 1e-3),
                "\(name)")
        }
    }

    /// What a newcomer writes first: LeNet-5 on random images for a few steps, on either backend.
    @Test(arguments: testDevices)
    func newcomerTrainsLeNet5(device: Device) throws {
        let model = try Models.lenet5()
        try model.to(device)
        let optimizer = Adam(model.parameters, learningRate: 0.002)
        let lossFunction = CrossEntropyLoss()
        let images = try Tensor.uniform([16, 1, 28, 28], generator: Generator(seed: 1), device: device)
        let labels = try Tensor(indices: (0..<16).map { $0 % 10 }, device: device)

        var losses: [Float] = []
        for _ in 0..<6 {
            optimizer.zeroGrad()
            let loss = try lossFunction(model(images), labels)
            try loss.backward()
            try optimizer.step()
            losses.append(try loss.item())
        }
        #expect(losses.last! < losses.first!, "\(losses)")
    }
}
