import Foundation
import Fovea
import FoveaTestSupport
import Testing

/// ARCHITECTURE.md, decision 5: a training step on OpenCL is one stream of kernels with no host round-trip.
@Suite struct HostSyncTests {
    @Test(arguments: testDevices.filter { $0 != .cpu })
    func aLeNetTrainingStepMakesNoHostSync(device: Device) throws {
        let model = try Models.lenet5(classes: 10, dropout: 0.2)
        try model.to(device)
        let optimizer = Adam(model.parameters, learningRate: 0.001)
        let inputs = try Tensor.uniform([8, 1, 28, 28], generator: Generator(seed: 1), device: device)
        let targets = try Tensor(indices: (0..<8).map { $0 % 10 }, device: device)
        let before = OpenCLContext.hostSyncsOnCurrentThread
        for _ in 0..<3 {
            optimizer.zeroGrad()
            let loss = try CrossEntropyLoss()(model(inputs), targets) + Penalty.l2(model.parameters, lambda: 1e-4)
            try loss.backward()
            try clipGradientNorm(model.parameters, maxNorm: 5)
            try optimizer.step()
        }
        #expect(OpenCLContext.hostSyncsOnCurrentThread == before)
        _ = try model.parameters[0].value.toArray()
        #expect(OpenCLContext.hostSyncsOnCurrentThread == before + 1)
        // A read after a gather also reads the gather's index-check flag, from a queue already drained: one sync.
        let rows = try inputs.reshaped(8, 784)[try Tensor(indices: [3, 1], device: device)]
        _ = try rows.toArray()
        #expect(OpenCLContext.hostSyncsOnCurrentThread == before + 2)
    }
}

extension HostSyncTests {
    /// The recurrence runs as kernels on the queue forward and backward (Kernels/rnn.cl): a text classifier's step
    /// (embedding, a bidirectional two-layer LSTM over padded sequences, a linear head, Adam) reads nothing back, nor
    /// does a step of the zoo's `TextClassifier` (lengths of front-padded texts).
    @Test(arguments: testDevices.filter { $0 != .cpu })
    func anLSTMTrainingStepMakesNoHostSync(device: Device) throws {
        let embedding = Embedding(20, 4), lstm = LSTM(4, 5, numLayers: 2, bidirectional: true), head = Dense(10, 3)
        let parameters = embedding.parameters + lstm.parameters + head.parameters
        for module in [embedding, lstm, head] as [Module] { try module.to(device) }
        let optimizer = Adam(parameters, learningRate: 0.01)
        let ids = try Tensor(indices: (0..<24).map { $0 % 20 }, shape: [6, 4], device: device)
        let lengths = try Tensor(indices: [6, 2, 5, 1], device: device)
        let targets = try Tensor(indices: [0, 1, 2, 1], device: device)
        let before = OpenCLContext.hostSyncsOnCurrentThread
        for _ in 0..<2 {
            optimizer.zeroGrad()
            let (_, (h, _)) = try lstm(embedding(ids), initialState: nil, lengths: lengths)
            // The last layer's two directions, [batch, 10].
            let last = try h.slice(axis: 0, start: 2, count: 2).permuted(1, 0, 2).reshaped(4, 10)
            try CrossEntropyLoss()(head(last), targets).backward()
            try optimizer.step()
        }
        // The zoo's text classifier counts each text's length on the device.
        let classifier = TextClassifier(vocabulary: 20, embeddingSize: 4, hiddenSize: 5, classes: 3)
        try classifier.to(device)
        let classifierOptimizer = Adam(classifier.parameters, learningRate: 0.01)
        try CrossEntropyLoss()(classifier(ids.permuted(1, 0)), targets).backward()
        try classifierOptimizer.step()
        #expect(OpenCLContext.hostSyncsOnCurrentThread == before)
        #expect(try lstm.parameters[0].value.toArray().allSatisfy(\.isFinite))
    }

    /// `Trainer` hands each step's commands to the device (clFlush) when the step ends, without waiting for them.
    @Test(arguments: testDevices.filter { $0 != .cpu })
    func trainerFlushesTheQueueOncePerStep(device: Device) throws {
        guard case .opencl(let index) = device else { return }
        let context = try OpenCLBackend.backend(forDevice: index).context
        let model = try Models.mlp(inputFeatures: 4, hidden: [8], classes: 3)
        try model.to(device)
        let data = try InMemoryDataset(features: testValues(40 * 4), labels: (0..<40).map { Int32($0 % 3) }, sampleShape: [4])
        let trainer = Trainer(model: model, optimizer: SGD(model.parameters, learningRate: 0.1))
        let flushes = context.flushCount
        try trainer.fit(try DataLoader(data, batchSize: 8, device: device), epochs: 1)
        #expect(context.flushCount - flushes >= 5, "5 steps, at least 5 flushes (other tests may flush too)")
    }
}

extension HostSyncTests {
    /// Wraps a callback and counts the host syncs of its `batchDidEnd` and of one snapshot of the same totals.
    final class SyncCounter: TrainingCallback {
        let wrapped: TrainingCallback
        var callbackSyncs: [Int] = [], snapshotSyncs: [Int] = []

        init(_ wrapped: TrainingCallback) { self.wrapped = wrapped }

        func trainingWillStart(_ trainer: Trainer) throws { try wrapped.trainingWillStart(trainer) }
        func batchDidEnd(_ trainer: Trainer, epoch: Int, batch: Int, of batches: Int, totals: RunningTotals) throws {
            var before = OpenCLContext.hostSyncsOnCurrentThread
            try wrapped.batchDidEnd(trainer, epoch: epoch, batch: batch, of: batches, totals: totals)
            callbackSyncs.append(OpenCLContext.hostSyncsOnCurrentThread - before)
            before = OpenCLContext.hostSyncsOnCurrentThread
            _ = try totals.snapshot()
            snapshotSyncs.append(OpenCLContext.hostSyncsOnCurrentThread - before)
        }
        func epochDidEnd(_ trainer: Trainer, metrics: EpochMetrics) throws { try wrapped.epochDidEnd(trainer, metrics: metrics) }
        func trainingWasInterrupted(_ trainer: Trainer, at position: TrainingPosition) throws {
            try wrapped.trainingWasInterrupted(trainer, at: position)
        }
        func trainingDidEnd(_ trainer: Trainer) throws { try wrapped.trainingDidEnd(trainer) }
    }

    /// The TensorBoard callback reads a model of several outputs' running totals once per interval (the total and
    /// each output's figures together), and not at all between intervals.
    @Test(arguments: testDevices.filter { $0 != .cpu })
    func tensorBoardReadsTheTotalsOncePerInterval(device: Device) throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try MultiOutputFixtures.model(seed: 2).to(device)
        let counter = SyncCounter(
            TensorBoardCallback(writer: try SummaryWriter(logDirectory: directory.appendingPathComponent("tb")), interval: 2))
        let trainer = try MultiOutputFixtures.trainer(
            model, optimizer: Adam(model.parameters, learningRate: 0.01), callbacks: [counter])
        let train = try DataLoader(try MultiOutputFixtures.data(count: 64, seed: 5), batchSize: 16, seed: 3, device: device)
        _ = try trainer.fit(train, epochs: 1)
        #expect(counter.callbackSyncs.count == 4 && counter.snapshotSyncs.allSatisfy { $0 > 0 })
        #expect(counter.callbackSyncs == [0, counter.snapshotSyncs[1], 0, counter.snapshotSyncs[3]])
    }
}
