import Foundation

/// Writes a training run to TensorBoard, as Keras' `TensorBoard` callback does.
///
/// - Every `interval` optimizer steps: `train/loss`, `train/accuracy` (the epoch's running means, one host read on
///   OpenCL) and `train/learning_rate`, at the optimizer's step count (which a resumed run continues). A regression
///   (`hasAccuracy` false: a series forecast) logs no accuracy, here or after each epoch.
/// - After each epoch, at the epoch's number (from 1): `epoch/train_loss`, `epoch/train_accuracy`,
///   `epoch/validation_loss`, `epoch/validation_accuracy`, `epoch/learning_rate`, `epoch/images_per_second`; a histogram
///   of every parameter (`parameters/NAME`) and of its last gradient (`gradients/NAME`); and, for image data with a
///   validation loader, a grid of up to `imageCount` misclassified validation images (`validation/misclassified`,
///   with their true and predicted classes as text, `validation/misclassified_labels`: TensorBoard keeps one kind per tag).
/// - Once, at the start: a grid of the first `imageCount` training images (`inputs`), and `configuration` as a table.
/// - For a model of several outputs, each output's loss and (for class targets) accuracy as well, under the output's
///   name (`GraphModel.outputNames`): `train/loss/NAME`, `train/accuracy/NAME`, `epoch/train_loss/NAME`,
///   `epoch/validation_accuracy/NAME`, ...; the total accuracy, which means nothing there, is left out.
public final class TensorBoardCallback: TrainingCallback {
    /// The event file's writer (add more to it: it is the same file).
    public let writer: SummaryWriter
    /// Steps between the training scalars.
    public let interval: Int
    /// Images per grid.
    public let imageCount: Int
    private let samples: (any Dataset)?
    private let validation: DataLoader?
    private let configuration: [String: String]
    private let classNames: [String]
    private let hasAccuracy: Bool

    /// - Parameters:
    ///   - samples: the training data, whose first images make the `inputs` grid (nil, or non-image data: no grid).
    ///   - validation: the loader whose misclassified images are shown after each epoch (nil: none).
    ///   - configuration: written once as a two-column table (empty: nothing).
    ///   - hasAccuracy: false for a regression, whose accuracy means nothing.
    public init(
        writer: SummaryWriter, interval: Int = 100, imageCount: Int = 16, samples: (any Dataset)? = nil,
        validation: DataLoader? = nil,
        configuration: [String: String] = [:], classNames: [String] = [], hasAccuracy: Bool = true
    ) {
        precondition(interval > 0 && imageCount > 0, "TensorBoardCallback: interval and imageCount must be positive")
        self.writer = writer
        self.interval = interval
        self.imageCount = imageCount
        self.samples = samples
        self.validation = validation
        self.configuration = configuration
        self.classNames = classNames
        self.hasAccuracy = hasAccuracy
    }

    public func trainingWillStart(_ trainer: Trainer) throws {
        let step = trainer.optimizer.stepCount
        if !configuration.isEmpty {
            let rows = configuration.keys.sorted().map { "| \($0) | \(configuration[$0]!) |" }
            try writer.addText(
                "configuration", (["| option | value |", "| --- | --- |"] + rows).joined(separator: "\n"), step: step)
        }
        if let samples, samples.sampleShape.rank == 3, samples.count > 0 {
            let images = try (0..<min(imageCount, samples.count)).map { try samples[$0].features }
            let grid = ImageGrid.tile(images, shape: samples.sampleShape)
            try writer.addImage("inputs", values: grid.values, shape: grid.shape, step: step)
        }
        try writer.flush()
    }

    public func batchDidEnd(_ trainer: Trainer, epoch: Int, batch: Int, of batches: Int, totals: RunningTotals) throws {
        let step = trainer.optimizer.stepCount
        guard step % interval == 0 else { return }
        let snapshot = try totals.snapshot()
        var values: [(tag: String, value: SummaryValue)] = [("train/loss", .scalar(snapshot.loss))]
        if let names = Self.outputNames(trainer) {
            for (name, output) in zip(names, snapshot.outputs) {
                values += Self.scalars(output, loss: "train/loss/\(name)", accuracy: "train/accuracy/\(name)")
            }
        } else if hasAccuracy {
            values.append(("train/accuracy", .scalar(snapshot.accuracy)))
        }
        values.append(("train/learning_rate", .scalar(trainer.optimizer.learningRate)))
        try writer.add(values, step: step)
    }

    /// The names of a model's outputs when it has several, else nil.
    private static func outputNames(_ trainer: Trainer) -> [String]? {
        guard let graph = trainer.model as? GraphModel, graph.outputs.count > 1 else { return nil }
        return graph.outputNames
    }

    /// One output's loss and, for class targets, accuracy.
    private static func scalars(_ output: OutputMetrics, loss: String, accuracy: String) -> [(
        tag: String, value: SummaryValue
    )] {
        [(loss, .scalar(output.loss))] + (output.accuracy.map { [(accuracy, .scalar($0))] } ?? [])
    }

    public func epochDidEnd(_ trainer: Trainer, metrics: EpochMetrics) throws {
        let step = metrics.epoch + 1
        let names = Self.outputNames(trainer)
        var values: [(tag: String, value: SummaryValue)] = [("epoch/train_loss", .scalar(metrics.trainLoss))]
        if hasAccuracy && names == nil { values.append(("epoch/train_accuracy", .scalar(metrics.trainAccuracy))) }
        values += [
            ("epoch/learning_rate", .scalar(metrics.learningRate)),
            ("epoch/images_per_second", .scalar(Float(metrics.imagesPerSecond))),
        ]
        if let loss = metrics.validationLoss { values.append(("epoch/validation_loss", .scalar(loss))) }
        if hasAccuracy, names == nil, let accuracy = metrics.validationAccuracy {
            values.append(("epoch/validation_accuracy", .scalar(accuracy)))
        }
        for (part, outputs) in [("train", metrics.trainOutputs), ("validation", metrics.validationOutputs)] {
            for (name, output) in zip(names ?? [], outputs ?? []) {
                values += Self.scalars(output, loss: "epoch/\(part)_loss/\(name)", accuracy: "epoch/\(part)_accuracy/\(name)")
            }
        }
        try writer.add(values, step: step)
        for (name, parameter) in trainer.model.namedParameters {
            try writer.addHistogram("parameters/\(name)", parameter.value, step: step)
            if let grad = parameter.grad { try writer.addHistogram("gradients/\(name)", grad, step: step) }
        }
        if let model = trainer.objective.unaryModel { try writeMistakes(model, step: step) }
        try writer.flush()
    }

    /// Up to `imageCount` misclassified images from the first validation batches (enough to fill the grid), for a
    /// model of one input and one output.
    private func writeMistakes(_ model: some UnaryLayer, step: Int) throws {
        guard let validation, validation.dataset.sampleShape.rank == 3 else { return }
        let batches = max(1, (4 * imageCount + validation.batchSize - 1) / validation.batchSize)
        let predictions = try Predictions(model: model, loader: validation, maxBatches: batches)
        let rows = predictions.mistakesByConfidence.prefix(imageCount)
        guard !rows.isEmpty else { return }
        let grid = ImageGrid.tile(
            try rows.map { try validation.dataset[predictions.indices[$0]].features }, shape: validation.dataset.sampleShape)
        try writer.addImage("validation/misclassified", values: grid.values, shape: grid.shape, step: step)
        let captions = rows.enumerated().map { number, row in
            "\(number + 1). \(name(predictions.labels[row])) taken for \(name(predictions.predicted[row])) "
                + String(format: "(%.0f%%)", 100 * predictions.confidence(row))
        }
        try writer.addText(
            "validation/misclassified_labels", "In the grid's order, left to right:\n\n" + captions.joined(separator: "  \n"),
            step: step)
    }

    private func name(_ label: Int) -> String { label < classNames.count ? classNames[label] : String(label) }

    public func trainingDidEnd(_ trainer: Trainer) throws { try writer.flush() }
}
