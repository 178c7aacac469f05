import FoveaCore
import FoveaNN

/// Whole training steps of the model zoo: forward, cross-entropy loss, backward and the optimizer's update,
/// on a fixed random batch created once on the device (no data loading), in images/s.
enum TrainSuite {
    /// The zoo models the suite trains, with the sample shape of their data set.
    static let models: [(name: String, inputShape: Shape)] = [
        ("lenet5", [1, 28, 28]),  // Fashion-MNIST
        ("cnn-cifar", [3, 32, 32]),  // CIFAR-10
        ("resnet-small", [3, 32, 32]),
    ]
    static let modelNames = models.map(\.name)
    static let optimizers = ["adam", "sgd"]

    /// Batches run in increasing order, so each case's peak memory is usually above the earlier ones' and exact.
    static func cases(models names: [String], batches: [Int], optimizers: [String]) -> [BenchmarkCase] {
        models.filter { names.contains($0.name) }.flatMap { model in
            batches.sorted().flatMap { batch in
                optimizers.map { optimizer in
                    BenchmarkCase(
                        suite: "train", name: name(model.name, batch: batch, optimizer: optimizer), work: .images(Double(batch)),
                        reference: .train(model: model.name, batch: batch, optimizer: optimizer)
                    ) { target in
                        guard case .backend(let backend) = target else { return nil }
                        let step = try TrainingStep(
                            model: model.name, inputShape: model.inputShape, batch: batch,
                            optimizer: optimizer, device: backend.device)
                        return step.prepared(synchronize: backend.synchronize)
                    }
                }
            }
        }
    }

    /// "train lenet5 b64 adam": shared with `pytorch_bench.py` through the spec file.
    static func name(_ model: String, batch: Int, optimizer: String) -> String { "train \(model) b\(batch) \(optimizer)" }

    static func inputShape(of model: String) -> Shape? { models.first { $0.name == model }?.inputShape }
}

/// One model, its optimizer and a fixed batch on one device: everything a timed training step needs.
final class TrainingStep {
    let model: Sequential
    let optimizer: Optimizer
    let inputs: Tensor
    let labels: Tensor
    let loss = CrossEntropyLoss()
    static let classes = 10

    /// `optimizer` is "adam" (lr 1e-3) or "sgd" (lr 0.01, momentum 0.9).
    init(model name: String, inputShape: Shape, batch: Int, optimizer: String, device: Device) throws {
        manualSeed(1)
        // Per-layer timings need the layers in order: only the Sequential zoo models.
        guard let sequential = try Models.make(name, inputShape: inputShape, classes: Self.classes) as? Sequential else {
            throw FoveaError.invalidArgument("fovea-bench: \(name) is not a Sequential model")
        }
        model = sequential
        try model.to(device)
        model.train()
        switch optimizer {
        case "adam": self.optimizer = Adam(model.parameters, learningRate: 1e-3)
        case "sgd": self.optimizer = SGD(model.parameters, learningRate: 0.01, momentum: 0.9)
        default: throw HarnessError("unknown optimizer '\(optimizer)' (adam or sgd)")
        }
        // Drawn on the host and uploaded, as a data loader's batches are (a cold step then compiles no random kernel).
        inputs = try Tensor.uniform(Shape([batch] + inputShape.dims), low: -1, high: 1).to(device)
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        let classes = (0..<batch).map { _ -> Int32 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int32((state >> 33) % UInt64(Self.classes))
        }
        labels = try Tensor(int32: classes, shape: [batch], device: device)
    }

    /// One training step; returns the loss without reading it.
    @discardableResult
    func run() throws -> Tensor {
        optimizer.zeroGrad()
        let value = try loss(model(inputs), labels)
        try value.backward()
        try optimizer.step()
        return value
    }

    func prepared(synchronize: @escaping () throws -> Void) -> Prepared {
        var prepared = Prepared(body: { try self.run() }, steps: { try self.phases() + self.layerSteps() })
        prepared.profiledCalls = 1
        if case .opencl = inputs.device {
            prepared.hostSyncs = {
                try synchronize()
                let start = OpenCLContext.hostSyncsOnCurrentThread
                try self.run()
                let afterStep = OpenCLContext.hostSyncsOnCurrentThread
                _ = try self.run().item()
                let afterRead = OpenCLContext.hostSyncsOnCurrentThread
                return HostSyncs(step: afterStep - start, stepReadingLoss: afterRead - afterStep)
            }
        }
        return prepared
    }

    /// The step's three phases timed apart: forward with the loss, backward, optimizer update. Each backward graph is
    /// built at its step's first call, after the steps timed before it (autograd refuses a graph whose weights an
    /// optimizer step has changed since).
    func phases() throws -> [Step] {
        var value: Tensor?
        return [
            Step(name: "forward + loss") { _ = try self.loss(self.model(self.inputs), self.labels) },
            Step(name: "backward") {
                if value == nil { value = try self.loss(self.model(self.inputs), self.labels) }
                self.optimizer.zeroGrad(); try value!.backward()
            },
            Step(name: "optimizer step") { try self.optimizer.step() },
        ]
    }

    /// Each top-level layer's forward and backward alone, on the activation it sees in a real step
    /// (detached, so its backward stops at the layer's input): the per-op view of where a step's time goes.
    /// As in a real step, the first layer computes no input gradient.
    func layerSteps() throws -> [Step] {
        var activation = inputs
        var steps: [Step] = []
        for (index, layer) in model.layers.enumerated() {
            let input = activation.detach()
            input.requiresGrad = index > 0
            let output = try layer(input)
            let gradient = try Tensor.uniform(output.shape, low: -1, high: 1, device: output.device)
            let label = "\(index) \(layer.typeName)"
            steps.append(Step(name: label + " fwd") { _ = try layer(input) })
            var graph: Tensor?
            steps.append(
                Step(name: label + " bwd") {
                    if graph == nil { graph = try layer(input) }
                    layer.zeroGrad()
                    input.grad = nil
                    try graph!.backward(gradient)
                })
            activation = output
        }
        return steps
    }
}
