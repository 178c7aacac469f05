import FoveaCore

/// ReLU, sigmoid and GELU forward and backward, softmax along the last axis, and the fused softmax-cross-entropy
/// loss (forward, then backward): memory-bound ops, in GB/s.
enum ActivationSuite {
    static let counts = [1 << 20, 1 << 22]
    /// (rows, columns) of softmax inputs: a classifier head and a wide one.
    static let softmaxShapes = [(128, 10), (1024, 1000)]

    static func cases() -> [BenchmarkCase] {
        let activations = [(UnaryOp.relu, "relu"), (.sigmoid, "sigmoid"), (.gelu, "gelu")].flatMap { op, label in
            counts.flatMap { count in
                [
                    BenchmarkCase(
                        suite: "activation", name: "\(label) \(count >> 20)M fwd", work: .bytes(Double(8 * count)),
                        reference: .activation(label, count: count, pass: "fwd")
                    ) { target in
                        guard case .backend(let backend) = target else { return nil }
                        let x = try randomStorage(count, on: backend), y = try backend.allocate(count)
                        return Prepared { try backend.unary(op, x: x, out: y, count: count, alpha: 0, beta: 0) }
                    },
                    // x or y, gradOutput and gradInput: the three tensors the backward reads and writes.
                    BenchmarkCase(
                        suite: "activation", name: "\(label) \(count >> 20)M bwd", work: .bytes(Double(12 * count)),
                        reference: .activation(label, count: count, pass: "bwd")
                    ) { target in
                        guard case .backend(let backend) = target else { return nil }
                        let x = try randomStorage(count, on: backend), y = try backend.allocate(count)
                        try backend.unary(op, x: x, out: y, count: count, alpha: 0, beta: 0)
                        let gradOut = try randomStorage(count, on: backend, seed: 2), gradIn = try backend.allocate(count)
                        return Prepared {
                            try backend.unaryBackward(
                                op, x: x, y: y, gradOut: gradOut, gradIn: gradIn, count: count, alpha: 0, beta: 0)
                        }
                    },
                ]
            }
        }
        let softmax = softmaxShapes.flatMap { rows, columns in
            let count = rows * columns
            return [
                BenchmarkCase(
                    suite: "softmax", name: "softmax \(rows)x\(columns) fwd", work: .bytes(Double(8 * count)),
                    reference: .softmax(rows: rows, columns: columns, pass: "fwd")
                ) { target in
                    guard case .backend(let backend) = target else { return nil }
                    let x = try randomStorage(count, on: backend), y = try backend.allocate(count)
                    return Prepared { try backend.softmax(x: x, outer: rows, size: columns, inner: 1, out: y, log: false) }
                },
                BenchmarkCase(
                    suite: "softmax", name: "softmax \(rows)x\(columns) bwd", work: .bytes(Double(12 * count)),
                    reference: .softmax(rows: rows, columns: columns, pass: "bwd")
                ) { target in
                    guard case .backend(let backend) = target else { return nil }
                    let x = try randomStorage(count, on: backend), y = try backend.allocate(count)
                    try backend.softmax(x: x, outer: rows, size: columns, inner: 1, out: y, log: false)
                    let gradOut = try randomStorage(count, on: backend, seed: 2), gradIn = try backend.allocate(count)
                    return Prepared {
                        try backend.softmaxBackward(
                            y: y, gradOut: gradOut, outer: rows, size: columns, inner: 1, gradIn: gradIn, log: false)
                    }
                },
            ]
        }
        let crossEntropy = softmaxShapes.map { rows, columns in
            // Reads the logits and targets, writes the loss; the backward reads them again and writes the gradient.
            BenchmarkCase(
                suite: "softmax", name: "cross-entropy \(rows)x\(columns) fwd+bwd",
                work: .bytes(Double(4 * (3 * rows * columns + 2 * rows)))
            ) { target in
                guard case .backend(let backend) = target else { return nil }
                let descriptor = ClassificationLossDescriptor(rows: rows, classes: columns, fromLogits: true)
                let logits = try randomStorage(rows * columns, on: backend)
                let targets = try backend.allocate(rows, dtype: .int32)
                let labels = (0..<rows).map { Int32($0 % columns) }
                try labels.withUnsafeBufferPointer { try backend.upload($0, into: targets, offset: 0) }
                let loss = try backend.allocate(1), statistics = try backend.allocate(2), logSumExp = try backend.allocate(rows)
                let gradLoss = try backend.allocate(1), gradInput = try backend.allocate(rows * columns)
                try backend.fill(gradLoss, offset: 0, count: 1, value: 1)
                return Prepared {
                    try backend.classificationLoss(
                        logits, targets: targets, classWeights: nil, descriptor: descriptor,
                        loss: loss, statistics: statistics, logSumExp: logSumExp)
                    try backend.classificationLossBackward(
                        gradLoss, input: logits, targets: targets, classWeights: nil,
                        descriptor: descriptor, statistics: statistics, logSumExp: logSumExp,
                        gradInput: gradInput)
                }
            }
        }
        return activations + softmax + crossEntropy
    }
}
