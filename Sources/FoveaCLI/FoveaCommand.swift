import ArgumentParser
import Foundation
import Fovea

/// The `fovea` command-line tool.
///
/// Subcommands throw `FoveaError`s; ArgumentParser prints such an error as one line, `Error: <what and where>`,
/// on stderr and exits with status 1 (no usage text: that is only for mistakes in the arguments themselves).
@main
struct FoveaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fovea",
        abstract: "Train and run convolutional networks on the CPU or any OpenCL device.",
        subcommands: [
            TrainCommand.self, EvaluateCommand.self, PredictCommand.self, GenerateCommand.self, CompareCommand.self,
            GradCAMCommand.self,
            FeaturesCommand.self, SummaryCommand.self, DevicesCommand.self, SelftestCommand.self,
        ])

    /// Runs the command line; a Foundation error that escaped a subcommand is reported as one readable line too.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: readable(error))
        }
    }

    /// `error`, or for a raw Foundation (Cocoa or POSIX) error, a FoveaError with its reason in words.
    static func readable(_ error: Error) -> Error {
        let domain = (error as NSError).domain
        guard domain == NSCocoaErrorDomain || domain == NSPOSIXErrorDomain else { return error }
        let path = (error as NSError).userInfo[NSFilePathErrorKey] as? String
        return FoveaError.invalidArgument((path.map { "\($0): " } ?? "") + FoveaError.reason(error))
    }
}
