import ArgumentParser
import Foundation
import Fovea

/// `fovea selftest`: every op's forward and backward on a device against the CPU backend, one line per op.
struct SelftestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selftest",
        abstract: "Check every op (forward and backward) on an OpenCL device against the CPU backend.",
        discussion: "Prints one line per op with the worst absolute and relative error of the output and of each gradient, "
            + "then 'N passed, M failed'. Exits with status 1 when any op fails.")

    @Option(help: "Device to check: opencl or opencl:N (default: FOVEA_DEVICE, else auto). The CPU backend is the reference.")
    var device: String?

    @Option(help: "Seed of the random inputs.") var seed: UInt64 = 0

    func run() throws {
        let target = try device.map(Device.parse) ?? Device.default
        if target == .cpu {
            throw FoveaError.invalidArgument(
                "selftest: \(device == nil ? "the default device" : "device cpu") is the CPU backend, "
                    + "the reference itself, so there is nothing to compare; choose --device opencl or opencl:N")
        }
        let name = OpenCLRuntime.listDevices().devices.first { Device.opencl($0.index) == target }.map { " (\($0.name))" } ?? ""
        print("selftest: \(target)\(name) against the CPU backend, seed \(seed)")
        let results = try Selftest.run(device: target, seed: seed) { result in
            print(result.line)
            fflush(stdout)
        }
        let failed = results.filter { !$0.passed }.count
        print("\(results.count - failed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode.failure }
    }
}
