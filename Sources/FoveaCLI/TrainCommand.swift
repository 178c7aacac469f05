import ArgumentParser
import Foundation
import Fovea

/// `fovea train`: trains a zoo model on a data set and writes a run folder.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "Train a model on a data set.")

    @Option(help: "Model: \(Models.names.joined(separator: ", ")).") var model = "lenet5"
    @Option(help: "Data: fashion-mnist, mnist, cifar10, cifar100 or csv:PATH.") var data = "fashion-mnist"
    @Option(help: "Directory with the data files (default: where Debian's packages put them).") var dataDir: String?
    @Option(help: "Epochs to train (default: 10, or for small data sets enough epochs for about 800 steps, at most 200).")
    var epochs: Int?
    @Option(help: "Samples per batch.") var batchSize = 32
    @Option(help: "Optimizer: sgd, adam, adamw, rmsprop, adagrad.") var optimizer = "adam"
    @Option(help: "Learning rate (default: 0.001 for adam/adamw/rmsprop, 0.01 for sgd/adagrad).") var lr: Float?
    @Option(help: "Learning-rate schedule over the epochs: cosine (decays to 0 at --epochs), step (x0.1 after each third), plateau (x0.1 after 2 epochs without validation improvement) or none.")
    var lrSchedule = "cosine"
    @Option(help: "Epochs of linear learning-rate warm-up from lr/3 to lr before --lr-schedule (cosine, step or none), which then runs over the remaining epochs.")
    var warmupEpochs = 0
    @Option(help: "Momentum for sgd and rmsprop.") var momentum: Float = 0.9
    @Option(help: "Weight decay (L2 in the update; decoupled for adamw).") var weightDecay: Float = 0
    @Option(help: "L1 penalty lambda added to the loss.") var l1: Float = 0
    @Option(help: "L2 penalty lambda added to the loss.") var l2: Float = 0
    @Option(help: "Dropout probability in the model's head (default: the model's own).") var dropout: Float?
    @Option(help: "Hidden layer sizes for mlp, comma-separated.") var hidden = "256"
    @Flag(help: "LeNet-5 with sigmoid and average pooling, as in 1998.") var classic = false
    @Flag(help: "Augment training images (random flips and crops for CIFAR, small shifts for 28x28 images).") var augment = false
    @Option(help: "Fraction of the training set held out for validation.") var valSplit: Double = 0.1
    @Option(help: "Stop when validation loss has not improved for N epochs (restores the best weights).") var earlyStopping: Int?
    @Option(help: "Device: auto, cpu, opencl or opencl:N (default: FOVEA_DEVICE, else auto).") var device: String?
    @Option(help: "Random seed for weights, shuffling, dropout and augmentation.") var seed: UInt64 = 0
    @Option(help: "Stop after this many steps in total (quick runs).") var maxSteps: Int?
    @Option(help: "Run folder (default: runs/MODEL-DATA-TIME).") var out: String?
    @Option(help: "Resume from a checkpoint file or a run folder (its checkpoints/last.safetensors).") var resume: String?

    func run() throws {
        try TrainingRun(options: self).execute()
    }
}

