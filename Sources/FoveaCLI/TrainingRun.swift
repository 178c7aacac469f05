import ArgumentParser
import Foundation
import Fovea

/// Everything `fovea train` does, from options to a finished run folder.
///
/// An interruption (Ctrl-C) saves `checkpoints/last.safetensors` at the batch reached and ends with exit status 130;
/// `--resume` continues from that batch as if the run had never stopped.
struct TrainingRun {
    let options: TrainCommand
    /// Callbacks added after the run's own (for tests).
    var callbacks: [TrainingCallback] = []

    func execute() throws {
        let device = try options.device.map(Device.parse) ?? Device.default
        var folder = options.out.map { URL(fileURLWithPath: $0) } ?? URL(fileURLWithPath: "runs/\(options.model)-\(options.data.replacingOccurrences(of: "/", with: "_"))-\(Self.timestamp())")
        var resumeFile: URL?
        if let resume = options.resume {
            let url = URL(fileURLWithPath: resume)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
                throw FoveaError.badFile(path: url.path, reason: "no such checkpoint or run folder")
            }
            resumeFile = isDirectory.boolValue ? url.appendingPathComponent("checkpoints/last.safetensors") : url
            if isDirectory.boolValue && options.out == nil { folder = url }
        }
        try validateOptions()
        let hidden = try ModelSpec.parseHidden(options.hidden)
        manualSeed(options.seed)
        let source = try DataSource.load(options.data, directory: options.dataDir.map { URL(fileURLWithPath: $0) }, seed: options.seed)
        if options.model != "mlp" && source.sampleShape.rank != 3 {
            throw FoveaError.invalidArgument("--model \(options.model) needs images [channels, height, width], but \(options.data) has samples "
                                             + "of shape \(source.sampleShape): use --model mlp for tabular data")
        }
        let parts = options.valSplit > 0 ? try source.train.split(validationFraction: options.valSplit, seed: options.seed) : (source.train, nil)
        let epochs = options.epochs ?? Self.defaultEpochs(trainingSamples: parts.0.count, batchSize: options.batchSize)
        let spec = ModelSpec(name: options.model, inputShape: source.sampleShape, classes: source.classCount,
                             hidden: hidden, classic: options.classic, dropout: options.dropout,
                             data: options.data, classNames: source.classNames, normalization: source.normalization)
        let model = try spec.build()
        try model.to(device)
        let optimizer = try Self.makeOptimizer(options, parameters: model.parameters)
        let scheduler = Self.makeScheduler(options, epochs: epochs, optimizer: optimizer)

        var transforms: [any Transform] = []
        if let normalization = source.normalization { transforms.append(normalization) }
        if options.augment { transforms += Self.augmentation(for: source.sampleShape) }
        let train = try DataLoader(parts.0, batchSize: options.batchSize, shuffle: true, seed: options.seed,
                                   transform: transforms.isEmpty ? nil : Compose(transforms), device: device)
        let evaluationTransform = source.normalization
        let validation = try parts.1.map { try DataLoader($0, batchSize: 256, shuffle: false, transform: evaluationTransform, device: device) }
        let test = try DataLoader(source.test, batchSize: 256, shuffle: false, transform: evaluationTransform, device: device)

        var position = TrainingPosition(epoch: 0)
        if let resumeFile {
            position = try Checkpoint.resume(model: model, optimizer: optimizer, from: resumeFile)
            // Schedules are a function of the finished epochs: replay them to where the run stopped.
            for _ in 0..<position.epoch { scheduler?.step(metric: nil) }
            if position.epoch < epochs {
                print("resuming epoch \(position.epoch + 1) at batch \(position.batch)/\(train.count) from \(resumeFile.path)")
            } else {
                print("\(resumeFile.path) has trained all \(epochs) epochs: testing only")
            }
        }
        let log = try RunFolder(folder, configuration: configuration(device: device, spec: spec, epochs: epochs), appending: resumeFile != nil)
        let trainer = Trainer(model: model, optimizer: optimizer, loss: CrossEntropyLoss())
        trainer.maxSteps = options.maxSteps
        if options.l1 > 0 || options.l2 > 0 {
            let (l1, l2) = (options.l1, options.l2)
            trainer.penalty = { parameters in
                let weights = parameters.filter { $0.shape.rank > 1 }
                switch (l1 > 0, l2 > 0) {
                case (true, true): return try Penalty.l1(weights, lambda: l1) + Penalty.l2(weights, lambda: l2)
                case (true, false): return try Penalty.l1(weights, lambda: l1)
                default: return try Penalty.l2(weights, lambda: l2)
                }
            }
        }
        trainer.callbacks.append(InterruptCallback())
        trainer.callbacks.append(ProgressCallback(epochs: epochs))
        trainer.callbacks.append(CheckpointCallback(directory: log.checkpoints, metadata: spec.metadata))
        trainer.callbacks.append(log)
        if let patience = options.earlyStopping { trainer.callbacks.append(EarlyStopping(patience: patience)) }
        if let scheduler { trainer.callbacks.append(SchedulerCallback(scheduler)) }
        trainer.callbacks += callbacks

        print("training \(options.model) on \(options.data) (\(parts.0.count) train, \(parts.1?.count ?? 0) validation, \(source.test.count) test) on \(device); run folder \(folder.path)")
        InterruptCallback.install()
        try trainer.fit(train, validation: validation, epochs: epochs, from: position)
        if let stop = trainer.interruption {
            let last = log.checkpoints.appendingPathComponent("last.safetensors")
            print("interrupted at epoch \(stop.epoch + 1), batch \(stop.batch)/\(train.count): checkpoint saved to \(last.path); "
                  + "continue with --resume \(folder.path)")
            throw ExitCode(130)
        }
        let result = try trainer.evaluate(test)
        print(String(format: "test loss %.4f, test accuracy %.2f%%", result.loss, 100 * result.accuracy))
        try log.recordTest(loss: result.loss, accuracy: result.accuracy)
    }

    /// Checks the options that need no data, before the (slow) data loading.
    private func validateOptions() throws {
        guard Models.names.contains(options.model) else {
            throw FoveaError.invalidArgument("--model: unknown model '\(options.model)': choose one of \(Models.names.joined(separator: ", "))")
        }
        guard Self.schedules.contains(options.lrSchedule) else {
            throw FoveaError.invalidArgument("--lr-schedule: unknown schedule '\(options.lrSchedule)': use \(Self.schedules.joined(separator: ", "))")
        }
        guard Self.optimizers.contains(options.optimizer) else {
            throw FoveaError.invalidArgument("--optimizer: unknown optimizer '\(options.optimizer)': use \(Self.optimizers.joined(separator: ", "))")
        }
        if let epochs = options.epochs, epochs <= 0 { throw FoveaError.invalidArgument("--epochs \(epochs): must be positive") }
        guard options.batchSize > 0 else { throw FoveaError.invalidArgument("--batch-size \(options.batchSize): must be positive") }
        guard options.valSplit >= 0, options.valSplit < 1 else {
            throw FoveaError.invalidArgument("--val-split \(options.valSplit): must be in [0, 1)")
        }
        if let dropout = options.dropout, !(dropout >= 0 && dropout < 1) {
            throw FoveaError.invalidArgument("--dropout \(dropout): must be in [0, 1)")
        }
        if let steps = options.maxSteps, steps <= 0 { throw FoveaError.invalidArgument("--max-steps \(steps): must be positive") }
        let warmup = options.warmupEpochs
        if warmup < 0 || (warmup > 0 && options.lrSchedule == "plateau") || warmup >= options.epochs ?? .max {
            throw FoveaError.invalidArgument("--warmup-epochs \(warmup): must be at least 0, below --epochs, "
                                             + "and not used with --lr-schedule plateau")
        }
    }

    static let optimizers = ["sgd", "adam", "adamw", "rmsprop", "adagrad"]

    /// Ten epochs, or for small data sets (Iris: 4 batches an epoch) enough epochs for about 800 steps, at most 200.
    static func defaultEpochs(trainingSamples: Int, batchSize: Int) -> Int {
        let batches = max(1, (trainingSamples + batchSize - 1) / batchSize)
        return max(10, min(200, (800 + batches - 1) / batches))
    }
    static let schedules = ["cosine", "step", "plateau", "none"]

    /// The per-epoch learning-rate schedule chosen by `--lr-schedule` after `--warmup-epochs` of warm-up (nil for none).
    static func makeScheduler(_ options: TrainCommand, epochs: Int, optimizer: Optimizer) -> LearningRateScheduler? {
        let warmup = options.warmupEpochs, rest = epochs - options.warmupEpochs
        let schedule: EpochScheduler?
        switch options.lrSchedule {
        case "cosine": schedule = CosineAnnealingLR(optimizer, period: rest)
        case "step": schedule = StepLR(optimizer, stepSize: max(1, rest / 3), gamma: 0.1)
        case "plateau": return ReduceLROnPlateau(optimizer, factor: 0.1, patience: 2)
        default: schedule = nil
        }
        return warmup > 0 ? WarmupLR(optimizer, steps: warmup, then: schedule) : schedule
    }

    private func configuration(device: Device, spec: ModelSpec, epochs: Int) -> [String: String] {
        var values = spec.metadata
        values["device"] = device.description
        values["epochs"] = String(epochs)
        values["batch_size"] = String(options.batchSize)
        values["optimizer"] = options.optimizer
        values["lr_schedule"] = options.lrSchedule
        values["lr"] = String(Self.learningRate(options))
        values["momentum"] = String(options.momentum)
        values["weight_decay"] = String(options.weightDecay)
        values["l1"] = String(options.l1)
        values["l2"] = String(options.l2)
        values["augment"] = String(options.augment)
        values["val_split"] = String(options.valSplit)
        values["seed"] = String(options.seed)
        if let patience = options.earlyStopping { values["early_stopping"] = String(patience) }
        if let steps = options.maxSteps { values["max_steps"] = String(steps) }
        if options.warmupEpochs > 0 { values["warmup_epochs"] = String(options.warmupEpochs) }
        return values
    }

    static func learningRate(_ options: TrainCommand) -> Float {
        options.lr ?? (["sgd", "adagrad"].contains(options.optimizer) ? 0.01 : 0.001)
    }

    static func makeOptimizer(_ options: TrainCommand, parameters: [Parameter]) throws -> Optimizer {
        let lr = learningRate(options)
        switch options.optimizer {
        case "sgd": return SGD(parameters, learningRate: lr, momentum: options.momentum, weightDecay: options.weightDecay)
        case "adam": return Adam(parameters, learningRate: lr, weightDecay: options.weightDecay)
        case "adamw": return AdamW(parameters, learningRate: lr, weightDecay: options.weightDecay == 0 ? 0.01 : options.weightDecay)
        case "rmsprop": return RMSProp(parameters, learningRate: lr, momentum: options.momentum == 0.9 ? 0 : options.momentum, weightDecay: options.weightDecay)
        case "adagrad": return Adagrad(parameters, learningRate: lr, weightDecay: options.weightDecay)
        default: throw FoveaError.invalidArgument("--optimizer: unknown optimizer '\(options.optimizer)': use \(optimizers.joined(separator: ", "))")
        }
    }

    /// Flips and padded crops for colour images; small padded crops (shifts) for grayscale digits and clothes.
    static func augmentation(for shape: Shape) -> [any Transform] {
        shape.rank == 3 && shape[0] == 3 ? [RandomHorizontalFlip(), RandomCrop(padding: 4)] : (shape.rank == 3 ? [RandomCrop(padding: 2)] : [])
    }

    static func timestamp() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return formatter.string(from: Date())
    }
}
