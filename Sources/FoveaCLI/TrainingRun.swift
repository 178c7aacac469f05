import ArgumentParser
import Foundation
import Fovea

/// Everything `fovea train` does, from options to a finished run folder.
///
/// An interruption (Ctrl-C or SIGTERM) saves `checkpoints/last.safetensors` at the batch reached and ends with exit
/// status 130 (143 for SIGTERM);
/// `--resume` continues from that batch as if the run had never stopped, with the run's own options. A loss that
/// stops being finite ends the run with a message, keeping the last finite checkpoint. With `replicas` (an MPI job,
/// or one device of several in this process) this run trains one replica on its shard of each batch, and only
/// replica 0 prints and writes the run folder. `--device opencl:0,opencl:1` runs one such replica per device, each on
/// its own thread (`DataParallel`).
struct TrainingRun {
    let options: TrainCommand
    /// The replicas this run trains with, or nil to train alone.
    var replicas: ReplicaGroup?
    /// With several devices in this process: every replica's device, and this replica's (overriding --device).
    var devices: (all: [Device], own: Device)?
    /// The data set, loaded once for the replicas of this process.
    var sharedData = SharedValue<DataSource>()
    /// Callbacks added after the run's own (for tests).
    var callbacks: [TrainingCallback] = []
    /// Whether Ctrl-C was pressed or SIGTERM came (tests give their own).
    var isInterrupted: () -> Bool = { InterruptCallback.interrupted }

    /// Whether this process writes the run's files and prints (rank 0, or the only process).
    var isLeader: Bool { (replicas?.rank ?? 0) == 0 }

    /// Trains, drawing weights, dropout masks and the generator position its checkpoints keep from a generator of the
    /// run's own (seeded with --seed), so runs in one process (replicas, tests) never interleave their draws.
    func execute() throws {
        try Generator.withDefault(Generator()) { try trainWithOwnGenerator() }
    }

    private func trainWithOwnGenerator() throws {
        let resumed = try resumeTarget()
        if let resumed, isLeader {
            try Checkpoint.recover(directory: resumed.folder)
            try Checkpoint.recover(directory: resumed.folder.appendingPathComponent("checkpoints"))
        }
        // The other ranks read the checkpoints once rank 0 has settled them.
        if let replicas { _ = try replicas.sum([0]) }
        let settings = try TrainingSettings(given: options.given, resuming: resumed?.config)
        let named = try (options.device ?? settings.device).map(Device.parseList) ?? [Device.default]
        if devices == nil && named.count > 1 { return try trainOnDevices(named) }
        let device = devices?.own ?? named[0]
        let folder = try runFolder(settings: settings, resumed: resumed)
        let hidden = try ModelSpec.parseHidden(settings.hidden)
        var source = try sharedData.get {
            try DataSource.load(
                settings.data, directory: settings.dataDir.map { URL(fileURLWithPath: $0) }, seed: settings.seed,
                images: settings.imageOptions, series: settings.seriesOptions)
        }
        try check(source, settings: settings)
        if let normalize = settings.normalize {
            source = source.normalized(normalize == "none" ? nil : try ModelSpec.parseNormalization(normalize))
            try source.normalization?.validate(sampleShape: source.sampleShape)
        }
        // A series or a chars: text keeps its own validation part, the stretch before the test part (a random one
        // would see the future, or windows overlapping the training ones).
        let parts: (any Dataset, (any Dataset)?) =
            source.isRegression || source.characters != nil
            ? (source.train, source.validation)
            : settings.valSplit > 0
                ? try DatasetSubset.split(source.train, validationFraction: settings.valSplit, seed: settings.seed)
                : (source.train, nil)
        let epochs = settings.epochs ?? Self.defaultEpochs(trainingSamples: parts.0.count, batchSize: settings.batchSize)
        let warmup = settings.warmupEpochs
        if warmup > 0 && (settings.lrSchedule == "plateau" || warmup >= epochs) {
            throw FoveaError.invalidArgument(
                "--warmup-epochs \(warmup): must be below the \(epochs) epochs, and not used with --lr-schedule plateau")
        }
        let spec = ModelSpec(
            name: settings.model, inputShape: source.sampleShape, classes: source.classCount,
            hidden: hidden, classic: settings.classic, dropout: settings.dropout,
            data: settings.data, classNames: source.classNames, normalization: source.normalization,
            vocabulary: source.vocabulary?.count ?? 0,
            encoding: SequenceEncoding(source, column: settings.data.split(separator: ":").last.map(String.init)))
        // The run's own generator (`execute`), as each MPI rank seeds its process's.
        manualSeed(settings.seed)
        let model = try spec.build()
        if resumed == nil, let initFrom = settings.initFrom {
            if let note = try TransferLearning.initialize(model, from: initFrom, modelName: settings.model, data: settings.data) {
                say(note)
            }
        }
        try model.to(device)
        let backbone = try settings.freeze.map { try TransferLearning.parameters(of: model, matching: $0) } ?? []
        let backboneIDs = Set(backbone.map(ObjectIdentifier.init))
        let head = model.parameters.filter { !backboneIDs.contains(ObjectIdentifier($0)) }
        let groups =
            backbone.isEmpty
            ? [ParameterGroup(model.parameters, learningRate: settings.learningRate)]
            : [
                ParameterGroup(head, learningRate: settings.learningRate),
                ParameterGroup(backbone, learningRate: settings.lrBackbone ?? settings.learningRate),
            ]
        let optimizer = try Self.makeOptimizer(settings, groups: groups)
        let scheduler = Self.makeScheduler(settings, epochs: epochs, optimizer: optimizer)

        var transforms: [any Transform] = []
        if let normalization = source.normalization { transforms.append(normalization) }
        if settings.augment { transforms += Self.augmentation(for: source.sampleShape) }
        let shard = try replicas.map { try DataShard(rank: $0.rank, count: $0.size) }
        let train = try DataLoader(
            parts.0, batchSize: settings.batchSize, shuffle: true, seed: settings.seed,
            transform: transforms.isEmpty ? nil : Compose(transforms), device: device, shard: shard)
        let evaluationTransform = source.normalization
        // A split too small to hold out one sample validates nothing rather than refusing to train.
        let validation = try parts.1.flatMap {
            $0.count == 0
                ? nil
                : try DataLoader($0, batchSize: 256, shuffle: false, transform: evaluationTransform, device: device, shard: shard)
        }
        let test = try DataLoader(
            source.test, batchSize: 256, shuffle: false, transform: evaluationTransform, device: device, shard: shard)

        var position = TrainingPosition(epoch: 0)
        var stepsTaken = 0
        if let resumeFile = resumed?.checkpoint {
            position = try Checkpoint.resume(model: model, optimizer: optimizer, from: resumeFile)
            stepsTaken = optimizer.stepCount
            // Schedules are a function of the finished epochs: replay them to where the run stopped.
            for _ in 0..<position.epoch { scheduler?.step(metric: nil) }
            if position.epoch < epochs {
                say("resuming epoch \(position.epoch + 1) at batch \(position.batch)/\(train.count) from \(resumeFile.path)")
            } else {
                say("\(resumeFile.path) has trained all \(epochs) epochs: testing only")
            }
        }
        var configuration = settings.configuration.merging(
            spec.metadata.filter { !SequenceEncoding.checkpointOnlyKeys.contains($0.key) }
        ) { _, model in model }
        configuration["device"] = devices.map { Device.listDescription($0.all) } ?? device.description
        configuration["epochs"] = String(epochs)
        if let replicas { configuration["replicas"] = String(replicas.size) }
        // The event file first: a --tensorboard folder that cannot be made stops the run before its folder exists.
        let board = try settings.tensorboard.flatMap { directory in
            !isLeader
                ? nil
                : TensorBoardCallback(
                    writer: try SummaryWriter(logDirectory: Self.tensorBoardFolder(directory, run: folder)),
                    interval: max(1, min(100, train.count / 4)), samples: parts.0, validation: validation,
                    configuration: configuration, classNames: source.classNames, hasAccuracy: !source.isRegression)
        }
        let log = isLeader ? try RunFolder(folder, configuration: configuration, appending: resumed != nil) : nil
        let trainer = Trainer(model: model, optimizer: optimizer, loss: source.isRegression ? MSELoss() : CrossEntropyLoss())
        trainer.replicas = replicas
        if let maxSteps = settings.maxSteps {
            guard maxSteps > stepsTaken else {
                say("--max-steps \(maxSteps): the run has taken \(stepsTaken) steps already: testing only")
                return try runTest(trainer, model, test, source: source, log: log, board: board, epochs: epochs)
            }
            trainer.maxSteps = maxSteps - stepsTaken
        }
        // Frozen until epoch --unfreeze-after (a resumed run past it has its backbone unfrozen already).
        let unfreezeAfter = settings.unfreezeAfter ?? Int.max
        for parameter in backbone { parameter.isFrozen = position.epoch < unfreezeAfter }
        if !backbone.isEmpty && position.epoch < unfreezeAfter && unfreezeAfter < Int.max {
            trainer.callbacks.append(UnfreezeCallback(backbone, afterEpochs: unfreezeAfter))
        }
        if settings.l1 > 0 || settings.l2 > 0 { trainer.penalty = Self.penalty(l1: settings.l1, l2: settings.l2) }
        trainer.callbacks.append(InterruptCallback(isInterrupted: isInterrupted))
        if isLeader {
            trainer.callbacks.append(
                replicas == nil
                    ? ProgressCallback(epochs: epochs, showsAccuracy: !source.isRegression)
                    : ProgressCallback(epochs: epochs, showsAccuracy: !source.isRegression, drawsBar: false))
        }
        trainer.callbacks.append(TerminateOnNaN())
        if let log {
            trainer.callbacks.append(CheckpointCallback(directory: log.checkpoints, metadata: spec.metadata))
            trainer.callbacks.append(log)
        }
        if let board { trainer.callbacks.append(board) }
        if let patience = settings.earlyStopping { trainer.callbacks.append(EarlyStopping(patience: patience)) }
        if let scheduler { trainer.callbacks.append(SchedulerCallback(scheduler)) }
        trainer.callbacks += callbacks

        if !backbone.isEmpty {
            say(TransferLearning.describe(model) + (position.epoch < unfreezeAfter ? " (--freeze \(settings.freeze!))" : ""))
        }
        say(
            "training \(settings.model) on \(settings.data) (\(parts.0.count) train, \(parts.1?.count ?? 0) validation, \(source.test.count) test) "
                + "on \(placement(device, settings: settings)); inputs normalized as \(ModelSpec.describe(source.normalization)); run folder \(folder.path)"
                + (board.map { "; TensorBoard: tensorboard --logdir \($0.writer.logDirectory.path)" } ?? ""))
        InterruptCallback.install()
        do {
            try trainer.fit(train, validation: validation, epochs: epochs, from: position)
        } catch let divergence as TrainingDiverged {
            guard let log else { throw divergence }
            try log.recordDivergence(divergence)
            let last = log.checkpoints.appendingPathComponent("last.safetensors")
            let kept =
                FileManager.default.fileExists(atPath: last.path)
                ? "\(last.path) keeps the last finite weights" : "no checkpoint was saved"
            throw FoveaError.invalidArgument("\(divergence) (--lr \(settings.learningRate)); \(kept)")
        }
        if let stop = trainer.interruption {
            let last = folder.appendingPathComponent("checkpoints/last.safetensors")
            say(
                "interrupted at epoch \(stop.epoch + 1), batch \(stop.batch)/\(train.count): checkpoint saved to \(last.path); "
                    + "continue with --resume \(folder.path)")
            throw ExitCode(InterruptCallback.exitStatus)
        }
        try stopIfInterrupted(folder, agreed: true)
        try runTest(trainer, model, test, source: source, log: log, board: board, epochs: epochs)
    }

    /// The device(s) the run trains on, for its first line.
    private func placement(_ device: Device, settings: TrainingSettings) -> String {
        guard let replicas else { return device.description }
        let batches = "batches of \(replicas.size) x \(settings.batchSize)"
        guard let devices else { return "\(device) x \(replicas.size) MPI ranks (\(batches))" }
        return "\(Device.listDescription(devices.all)) (one replica per device, \(batches))"
    }

    /// Prints `text` on replica 0 (or alone).
    private func say(_ text: String) {
        if isLeader { print(text) }
    }

    /// Trains one replica per device, each on its own thread; an error on one stops all, and is thrown naming its replica.
    private func trainOnDevices(_ all: [Device]) throws {
        if let replicas {
            throw FoveaError.invalidArgument(
                "--device \(Device.listDescription(all)): one device per MPI rank "
                    + "(this is rank \(replicas.rank) of \(replicas.size)); name one device, or run without mpirun")
        }
        _ = try DataParallel(devices: all).run { replica in
            var run = self
            run.replicas = replica.group
            run.devices = (all, replica.device)
            do {
                try run.execute()
            } catch let error where !(error is ExitCode || error is ReplicaGroupStopped) {
                throw FoveaError.invalidArgument(
                    "replica \(replica.rank) of \(all.count) on \(replica.device): "
                        + FoveaCommand.message(for: FoveaCommand.readable(error)))
            }
        }
    }

    /// Tests the trained model and records the result (in TensorBoard too, at step `epochs`), unless a stop signal came
    /// meanwhile.
    /// A series' forecasts are scored in its own units next to the naive forecast's.
    private func runTest(
        _ trainer: Trainer, _ model: some UnaryLayer, _ test: DataLoader, source: DataSource, log: RunFolder?,
        board: TensorBoardCallback?, epochs: Int
    ) throws {
        let result = try trainer.evaluate(test)
        guard let log else { return }
        if let windows = source.test as? SeriesWindows {
            let scores = try ForecastScores(model: model, windows: windows, device: test.device)
            try stopIfInterrupted(log.url)
            print(SequenceEvaluation.forecastText(loss: result.loss, windows: windows.count, scores))
            try log.recordForecast(loss: result.loss, scores)
            try board?.writer.add(
                [
                    ("test/loss", .scalar(result.loss)), ("test/rmse", .scalar(scores.rmse)), ("test/mae", .scalar(scores.mae)),
                    ("test/naive_rmse", .scalar(scores.naiveRMSE)), ("test/naive_mae", .scalar(scores.naiveMAE)),
                ], step: epochs)
            return try board?.writer.flush() ?? ()
        }
        try stopIfInterrupted(log.url)
        print(String(format: "test loss %.4f, test accuracy %.2f%%", result.loss, 100 * result.accuracy))
        try log.recordTest(loss: result.loss, accuracy: result.accuracy)
        try board?.writer.add([("test/loss", .scalar(result.loss)), ("test/accuracy", .scalar(result.accuracy))], step: epochs)
        try board?.writer.flush()
    }

    /// The folder `--tensorboard` names: `tb/` in the run folder for `TrainingSettings.runTensorBoard`.
    static func tensorBoardFolder(_ option: String, run: URL) -> URL {
        option == TrainingSettings.runTensorBoard ? run.appendingPathComponent("tb") : URL(fileURLWithPath: option)
    }

    /// Ctrl-C or SIGTERM after the last training step (during validation or testing): the checkpoints are saved, so
    /// stop with 130 (143).
    /// `agreed`: every replica calls it here, and they agree, so that all of them stop or none does (replica 0 alone
    /// stopping while testing is harmless: only the job's end follows).
    private func stopIfInterrupted(_ folder: URL, agreed: Bool = false) throws {
        let interrupted = agreed ? try replicas?.any(isInterrupted()) ?? isInterrupted() : isInterrupted()
        guard interrupted else { return }
        say("interrupted after training: the checkpoints are saved; --resume \(folder.path) runs the test")
        throw ExitCode(InterruptCallback.exitStatus)
    }

    /// The run folder and checkpoint `--resume` names, and the run's `config.json`.
    private func resumeTarget() throws -> (folder: URL, checkpoint: URL, config: URL)? {
        guard let resume = options.resume else { return nil }
        let url = URL(fileURLWithPath: resume)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw FoveaError.badFile(path: url.path, reason: "no such checkpoint or run folder")
        }
        let checkpoint = isDirectory.boolValue ? url.appendingPathComponent("checkpoints/last.safetensors") : url
        let folder = isDirectory.boolValue ? url : url.deletingLastPathComponent().deletingLastPathComponent()
        let config = folder.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: config.path) else {
            throw FoveaError.badFile(
                path: config.path,
                reason: "no such file: --resume takes a run folder of `fovea train` or a checkpoint in its checkpoints/")
        }
        return (folder, checkpoint, config)
    }

    /// Where the run's files go: the resumed run's folder, or a new (or `--overwrite`n) one.
    private func runFolder(settings: TrainingSettings, resumed: (folder: URL, checkpoint: URL, config: URL)?) throws -> URL {
        if let resumed {
            if let out = options.out, URL(fileURLWithPath: out).standardizedFileURL != resumed.folder.standardizedFileURL {
                throw FoveaError.invalidArgument("--out \(out): a resumed run stays in its folder, \(resumed.folder.path)")
            }
            return resumed.folder
        }
        if let out = options.out {
            guard !out.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw FoveaError.invalidArgument("--out: needs a folder name")
            }
            let folder = URL(fileURLWithPath: out)
            if isLeader { try RunFolder.prepareNew(folder, overwrite: options.overwrite) }
            return folder
        }
        return URL(
            fileURLWithPath:
                "runs/\(settings.model)-\(settings.data.replacingOccurrences(of: "/", with: "_"))-\(Self.timestamp())")
    }

    /// Checks what the options need of the data: images for the convolutional models, two classes or more.
    private func check(_ source: DataSource, settings: TrainingSettings) throws {
        if Self.recurrentModels.contains(settings.model) != source.isRegression {
            throw FoveaError.invalidArgument(
                "--model \(settings.model) with --data \(settings.data): --model \(Self.recurrentModels.joined(separator: "|")) "
                    + "forecasts a series:PATH:COLUMN, and a series needs one of them")
        }
        if (settings.model == "char-lstm") != (source.characters != nil) {
            throw FoveaError.invalidArgument(
                "--model \(settings.model) with --data \(settings.data): --model char-lstm learns a chars:PATH text, and one needs it"
            )
        }
        let seriesOptions = [
            ("window", options.window != nil && source.characters == nil), ("horizon", options.horizon != nil),
            ("series-inputs", options.seriesInputs != nil),
        ]
        if !source.isRegression, let option = seriesOptions.first(where: { $0.1 }) {
            throw FoveaError.invalidArgument("--\(option.0): only for --data series:PATH:COLUMN, not \(settings.data)")
        }
        if Models.textClassifiers.contains(settings.model) != (source.vocabulary != nil) {
            throw FoveaError.invalidArgument(
                "--model \(settings.model) with --data \(settings.data): --model lstm-text or gru-text classifies a text:PATH, and texts need it"
            )
        }
        if source.isRegression || source.vocabulary != nil || source.characters != nil {
            let imageOptions = [
                ("augment", settings.augment), ("normalize", settings.normalize != nil),
                ("init-from", settings.initFrom != nil), ("freeze", settings.freeze != nil),
            ]
            if let option = imageOptions.first(where: { $0.1 }) {
                throw FoveaError.invalidArgument(
                    "--\(option.0): not for \(settings.data), whose samples are \(source.isRegression ? "standardized values" : source.characters != nil ? "character ids" : "word ids"), not images"
                )
            }
            if source.isRegression { return }
        }
        if !(["mlp", "char-lstm"].contains(settings.model) || Models.textClassifiers.contains(settings.model))
            && source.sampleShape.rank != 3
        {
            throw FoveaError.invalidArgument(
                "--model \(settings.model) needs images [channels, height, width], but \(settings.data) has samples "
                    + "of shape \(source.sampleShape): use --model mlp for tabular data")
        }
        let classes = Set((0..<source.train.count).map(source.train.label(at:))).count
        guard classes >= 2 else {
            throw FoveaError.invalidArgument(
                "\(settings.data): the training data has \(classes) class\(classes == 1 ? "" : "es"); classification needs two or more"
            )
        }
        let folderOptions = [
            ("image-size", settings.imageSize != nil), ("channels", settings.channels != nil),
            ("test-split", options.testSplit != nil),
        ]
        if !settings.data.hasPrefix("folder:"), let option = folderOptions.first(where: { $0.1 }) {
            throw FoveaError.invalidArgument("--\(option.0): only for --data folder:DIR, not \(settings.data)")
        }
        let backboneOptions = [("unfreeze-after", settings.unfreezeAfter != nil), ("lr-backbone", settings.lrBackbone != nil)]
        if settings.freeze == nil, let option = backboneOptions.first(where: { $0.1 }) {
            throw FoveaError.invalidArgument("--\(option.0): needs --freeze (the parameters it applies to)")
        }
        if settings.normalize != nil && settings.data.hasPrefix("csv:") {
            throw FoveaError.invalidArgument(
                "--normalize/--no-normalize: \(settings.data) is tabular; its features are standardized with the training part's statistics"
            )
        }
    }

    /// The zoo's models for sequences, which forecast series.
    static let recurrentModels = ["lstm", "gru", "rnn"]

    static func timestamp() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return formatter.string(from: Date())
    }
}
