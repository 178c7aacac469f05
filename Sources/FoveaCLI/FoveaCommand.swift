import ArgumentParser
import Foundation

/// The `fovea` command-line tool.
///
/// Subcommands throw `FoveaError`s; ArgumentParser prints such an error as one line, `Error: <what and where>`,
/// on stderr and exits with status 1 (no usage text: that is only for mistakes in the arguments themselves).
@main
struct FoveaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fovea",
        abstract: "Train and run convolutional networks on the CPU or any OpenCL device.",
        subcommands: [TrainCommand.self, EvaluateCommand.self, PredictCommand.self, SummaryCommand.self, DevicesCommand.self,
                      SelftestCommand.self])
}
