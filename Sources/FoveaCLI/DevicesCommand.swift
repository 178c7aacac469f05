import ArgumentParser
import Foundation
import Fovea

/// `fovea devices`: every backend this machine offers, with the default marked.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices", abstract: "List the CPU backend and every OpenCL device.")

    @Flag(name: .customLong("require-opencl"), help: "Exit with an error when no OpenCL device is found.") var requireOpenCL =
        false

    func run() throws {
        let listing = OpenCLRuntime.listDevices()
        let defaultDevice = Device.default
        var rows: [[String]] = [
            ["", "device", "name", "type", "units", "global mem", "local mem", "driver", "OpenCL C", "fp16", "fp64"]
        ]
        rows.append([
            defaultDevice == .cpu ? "*" : "", "cpu", "CPU backend (OpenBLAS + Swift)", "CPU",
            String(ProcessInfo.processInfo.activeProcessorCount), format(bytes: Int(ProcessInfo.processInfo.physicalMemory)),
            "-", "-", "-", "-", "-",
        ])
        for info in listing.devices {
            rows.append([
                defaultDevice == .opencl(info.index) ? "*" : "", "opencl:\(info.index)", "\(info.name) (\(info.platformName))",
                info.nativeType.map { "GPU (acting; really \($0))" } ?? info.type, String(info.computeUnits),
                format(bytes: info.globalMemoryBytes), format(bytes: info.localMemoryBytes),
                info.driverVersion, info.openCLCVersion.replacingOccurrences(of: "OpenCL C ", with: ""),
                info.supportsFP16 ? "yes" : "no", info.supportsFP64 ? "yes" : "no",
            ])
        }
        print(table(rows))
        if let error = listing.error { print("OpenCL: \(error)") }
        let requested = ProcessInfo.processInfo.environment["FOVEA_DEVICE"] ?? "auto"
        print("* default device (FOVEA_DEVICE=\(requested))")
        if requireOpenCL && listing.devices.isEmpty {
            throw FoveaError.deviceUnavailable("--require-opencl: no OpenCL device found (\(listing.error ?? "no devices"))")
        }
        // A FOVEA_DEVICE that names a device which is not there is an error, not a silent fallback to the CPU.
        if requested.lowercased() != "auto" { _ = try Device.parse(requested) }
    }
}

/// 1536 -> "1.5 KiB".
func format(bytes: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes), unit = 0
    while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
}

/// Left-aligned columns separated by two spaces.
func table(_ rows: [[String]]) -> String {
    let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
    return rows.map { row in
        String(
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .reversed().drop(while: { $0 == " " }).reversed())
    }.joined(separator: "\n")
}
