import FoveaCore
import FoveaNN

/// LSTM and GRU layers over a whole sequence, forward and backward (the input, weight and bias gradients), and one
/// training step of the text classifier (`lstm-text`): batch 64, input 64, sequences of 50 and 100 steps, hidden
/// 128 and 256, as `pytorch_bench.py` runs them with `torch.nn.LSTM` / `GRU`.
enum RecurrentSuite {
    static let batch = 64, inputSize = 64
    static let steps = [50, 100], hiddenSizes = [128, 256]
    /// The text step: word ids [batch, length] over `vocabulary` ids, embedded in 64 values, an LSTM, 2 classes, Adam.
    static let text = (length: 48, hidden: 128, vocabulary: 10_000, classes: 2)

    static func cases() -> [BenchmarkCase] {
        let layers = ["lstm", "gru"].flatMap { cell in
            steps.flatMap { steps in
                hiddenSizes.map { hidden in
                    // GEMM work: the input projection and the recurrent one forward, twice that backward (data and weights).
                    let gates = cell == "lstm" ? 4 : 3
                    let flops = 3 * 2 * Double(steps * batch * gates * hidden * (inputSize + hidden))
                    return BenchmarkCase(
                        suite: "rnn", name: "\(cell) b\(batch) t\(steps) h\(hidden) fwd+bwd", work: .flops(flops),
                        reference: .recurrent(
                            cell: cell, batch: batch, steps: steps, hidden: hidden,
                            inputSize: inputSize)
                    ) { target in
                        guard case .backend(let backend) = target else { return nil }
                        return try layerStep(cell: cell, steps: steps, hidden: hidden, device: backend.device)
                    }
                }
            }
        }
        let textStep = BenchmarkCase(
            suite: "rnn", name: "lstm-text b\(batch) t\(text.length) h\(text.hidden) train adam",
            work: .images(Double(batch)),
            reference: .textTraining(
                batch: batch, length: text.length, hidden: text.hidden,
                vocabulary: text.vocabulary, classes: text.classes)
        ) { target in
            guard case .backend(let backend) = target else { return nil }
            return try textTrainingStep(device: backend.device)
        }
        return layers + [textStep]
    }

    /// The layer on [steps, batch, input] from zero states; backward from a fixed random gradient of the output.
    static func layerStep(cell: String, steps: Int, hidden: Int, device: Device) throws -> Prepared {
        let generator = Generator(seed: 1)
        let layer: RecurrentNetwork =
            cell == "lstm" ? LSTM(inputSize, hidden, generator: generator) : GRU(inputSize, hidden, generator: generator)
        try layer.to(device)
        let x = try Tensor.uniform([steps, batch, inputSize], low: -1, high: 1, generator: generator, device: device)
        x.requiresGrad = true
        let gradient = try Tensor.uniform([steps, batch, hidden], low: -1, high: 1, generator: generator, device: device)
        return Prepared {
            layer.zeroGrad()
            x.grad = nil
            try layer(x).backward(gradient)
        }
    }

    /// zeroGrad, forward, cross-entropy, backward and Adam's update on fixed random ids and labels.
    static func textTrainingStep(device: Device) throws -> Prepared {
        manualSeed(1)
        let model = TextClassifier(vocabulary: text.vocabulary, hiddenSize: text.hidden, classes: text.classes)
        try model.to(device)
        let optimizer = Adam(model.parameters, learningRate: 1e-3)
        let generator = Generator(seed: 2)
        // Ids 1 ..< vocabulary: no padding, so every model reads every step.
        let ids = try Tensor.uniform([batch, text.length], low: 1, high: Float(text.vocabulary), generator: generator)
            .to(dtype: .int32).to(device)
        let labels = try Tensor.uniform([batch], low: 0, high: Float(text.classes), generator: generator).to(dtype: .int32).to(
            device)
        let loss = CrossEntropyLoss()
        return Prepared {
            optimizer.zeroGrad()
            try loss(model(ids), labels).backward()
            try optimizer.step()
        }
    }
}
