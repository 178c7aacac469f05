import ArgumentParser
import Foundation

/// The `fovea` command-line tool.
@main
struct FoveaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fovea",
        abstract: "Train and run convolutional networks on the CPU or any OpenCL device.",
        subcommands: [TrainCommand.self, EvaluateCommand.self, PredictCommand.self, SummaryCommand.self, DevicesCommand.self])
}
