import ArgumentParser
import Foundation
import Fovea

/// `fovea train`: trains a zoo model on a data set and writes a run folder.
///
/// Options left out take their defaults (`TrainingSettings`), or, with `--resume`, the values the run was started
/// with (its `config.json`); options given again with `--resume` must agree with those, except `--epochs`,
/// `--max-steps` and `--device`. Under `mpirun -n N` it trains data-parallel (`DistributedTraining`).
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train a model on a data set.",
        discussion: """
            Inputs are normalized per channel before they reach the model: (x - mean) / std, with x the pixel scaled \
            to [0, 1] and the data set's usual statistics (Fashion-MNIST 0.2860/0.3530, MNIST 0.1307/0.3081, CIFAR-10 and \
            CIFAR-100 per channel); `--normalize` sets others, `--no-normalize` none. CSV features are standardized with \
            the training part's mean and standard deviation. Checkpoints record the normalization, so `evaluate` and \
            `predict` apply it too.
            """)

    @Option(help: "Model: \(Models.names.joined(separator: ", ")) (default: lenet5).") var model: String?
    @Option(
        help:
            "Data: fashion-mnist, mnist, cifar10, cifar100, csv:PATH, folder:DIR (images in DIR/CLASS/*.png|jpg) series:PATH:COLUMN (a CSV column to forecast, with --model lstm, gru or rnn) text:PATH (a CSV file of label and text, with --model lstm-text or gru-text) or chars:PATH (a UTF-8 text, with --model char-lstm) (default: fashion-mnist)."
    )
    var data: String?
    @Option(help: "Directory with the data files (default: where Debian's packages put them).") var dataDir: String?
    @Option(help: "For folder:DIR: resize images to H,W (or H for square ones), bilinear (default: the first image's size).")
    var imageSize: String?
    @Option(help: "For folder:DIR: 1 (grayscale) or 3 (RGB) channels (default: the first image's).") var channels: Int?
    @Option(
        help:
            "For folder:DIR without train/ and test/ folders: the fraction of images held out for testing; for series: the last fraction of the series (default: 0.2)."
    )
    var testSplit: Double?
    @Option(help: "For series: the past values each window holds; for chars: the characters (default: 24).") var window: Int?
    @Option(help: "For series: how many steps after a window's last value it predicts (default: 1).") var horizon: Int?
    @Option(
        help:
            "For series: relative (each window's values and target minus its last value, so windows carry no level) or absolute (default: relative)."
    )
    var seriesInputs: String?
    @Option(help: "Epochs to train (default: 10, or for small data sets enough epochs for about 800 steps, at most 200).")
    var epochs: Int?
    @Option(help: "Samples per batch (default: 32).") var batchSize: Int?
    @Option(help: "Optimizer: sgd, adam, adamw, rmsprop, adagrad (default: adam).") var optimizer: String?
    @Option(help: "Learning rate (default: 0.001 for adam/adamw/rmsprop, 0.01 for sgd/adagrad).") var lr: Float?
    @Option(
        help:
            "Learning-rate schedule over the epochs: cosine (decays to 0 at --epochs; the default), step (x0.1 after each third), plateau (x0.1 after 2 epochs without validation improvement) or none."
    )
    var lrSchedule: String?
    @Option(
        help:
            "Epochs of linear learning-rate warm-up from lr/3 to lr before --lr-schedule (cosine, step or none), which then runs over the remaining epochs (default: 0)."
    )
    var warmupEpochs: Int?
    @Option(help: "Momentum for sgd and rmsprop, in [0, 1) (default: 0.9).") var momentum: Float?
    @Option(help: "Weight decay (L2 in the update; decoupled for adamw) (default: 0).") var weightDecay: Float?
    @Option(help: "L1 penalty lambda added to the loss (default: 0).") var l1: Float?
    @Option(help: "L2 penalty lambda added to the loss (default: 0).") var l2: Float?
    @Option(help: "Dropout probability in the model's head (default: the model's own).") var dropout: Float?
    @Option(help: "Hidden layer sizes for mlp, comma-separated (default: 256).") var hidden: String?
    @Flag(help: "LeNet-5 with sigmoid and average pooling, as in 1998.") var classic = false
    @Flag(help: "Augment training images (random flips and crops for CIFAR, small shifts for 28x28 images).") var augment = false
    @Option(
        help:
            "Fraction of the training set held out for validation; for series: the fraction of the series before the test part (default: 0.1)."
    ) var valSplit: Double?
    @Option(help: "Stop when validation loss has not improved for N epochs (restores the best weights).") var earlyStopping: Int?
    @Option(
        help:
            "Input normalization MEAN,STD (every channel), M1,...,MC,S1,...,SC per channel, or imagenet (default: the data set's own)."
    )
    var normalize: String?
    @Flag(help: "Feed pixels scaled to [0, 1] without normalizing them.") var noNormalize = false
    @Option(
        help:
            "Device: auto, cpu, gpu (the first OpenCL GPU), opencl or opencl:N; several devices separated by commas (opencl:0,opencl:1) or all-gpus train one replica per device, each taking --batch-size samples of every batch of N x --batch-size (default: FOVEA_DEVICE, else auto)."
    ) var device: String?
    @Option(help: "Random seed for weights, shuffling, dropout and augmentation (default: 0).") var seed: UInt64?
    @Option(help: "Stop after this many optimizer steps in the whole run, resumed parts included (quick runs).") var maxSteps:
        Int?
    @Option(help: "Run folder (default: runs/MODEL-DATA-TIME). It must not hold another run unless --overwrite is given.")
    var out: String?
    @Flag(help: "Replace the run in --out (its checkpoints, metrics and configuration) instead of refusing.") var overwrite =
        false
    @Option(
        defaultAsFlag: TrainingSettings.runTensorBoard, parsing: .next,
        help: ArgumentHelp(
            "Write TensorBoard event files to this folder (alone: the run folder's tb/); view them with tensorboard --logdir.",
            valueName: "dir"))
    var tensorboard: String?
    @Option(help: "Continue a run: its folder, or a checkpoint file in its checkpoints/ folder. The run's own options are used.")
    var resume: String?
    @Option(
        help:
            "Start from the weights of a checkpoint: a Fovea checkpoint of --model or a plain state dict of it (e.g. from PyTorch). A classifier head with another number of classes is replaced."
    )
    var initFrom: String?
    @Option(help: "Freeze the parameters whose names start with one of these comma-separated prefixes (e.g. 0.,3. or features.).")
    var freeze: String?
    @Option(help: "Unfreeze the --freeze parameters after N epochs.") var unfreezeAfter: Int?
    @Option(help: "Learning rate of the --freeze parameters once unfrozen (default: --lr).") var lrBackbone: Float?
    @Option(
        help:
            "Data parallelism: mpi (one replica per rank of `mpirun -n N`, each taking --batch-size samples of every batch of N x --batch-size) or none (default: mpi under mpirun, else none)."
    )
    var distributed: String?
    @Option(
        help: "With mpi: seconds a rank waits for the others in a collective operation before the job is aborted (default: 300).")
    var collectiveTimeout: Double?

    func run() throws {
        guard let replicas = try DistributedTraining.replicas(mode: distributed, collectiveTimeout: collectiveTimeout) else {
            return try TrainingRun(options: self).execute()
        }
        try DistributedTraining.run(replicas) { try TrainingRun(options: self, replicas: replicas).execute() }
    }

    /// The options given on the command line, by their `config.json` keys, as text.
    var given: [String: String] {
        var values: [String: String] = [:]
        func put(_ key: String, _ value: CustomStringConvertible?) { if let value { values[key] = value.description } }
        put("model", model); put("data", data); put("data_dir", dataDir)
        put("image_size", imageSize); put("channels", channels); put("test_split", testSplit); put("window", window);
        put("horizon", horizon); put("series_inputs", seriesInputs); put("epochs", epochs); put("batch_size", batchSize)
        put("optimizer", optimizer); put("lr", lr); put("lr_schedule", lrSchedule); put("warmup_epochs", warmupEpochs)
        put("momentum", momentum)
        put("weight_decay", weightDecay); put("l1", l1); put("l2", l2); put("dropout", dropout); put("hidden", hidden)
        put("val_split", valSplit); put("early_stopping", earlyStopping); put("seed", seed); put("max_steps", maxSteps)
        put("normalize", noNormalize ? "none" : normalize); put("tensorboard", tensorboard)
        put("init_from", initFrom); put("freeze", freeze); put("unfreeze_after", unfreezeAfter); put("lr_backbone", lrBackbone)
        if classic { values["classic"] = "true" }
        if augment { values["augment"] = "true" }
        return values
    }
}
