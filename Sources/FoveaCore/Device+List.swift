import Foundation

extension Device {
    /// The name of every OpenCL GPU, for data-parallel training.
    public static let allGPUs = "all-gpus"

    /// Parses the devices of data-parallel training in one process: `all-gpus` (every OpenCL GPU) or names that
    /// `parse` takes, separated by commas (`opencl:0,opencl:1`); one name gives one device. Throws for an empty name,
    /// a device named twice, or `all-gpus` on a machine without an OpenCL GPU.
    public static func parseList(_ text: String) throws -> [Device] {
        if text.lowercased().trimmingCharacters(in: .whitespaces) == allGPUs {
            let listing = OpenCLRuntime.listDevices()
            let gpus = listing.devices.filter(\.isGPU).map { Device.opencl($0.index) }
            guard !gpus.isEmpty else {
                let found = listing.devices.map { "opencl:\($0.index) \($0.name) (\($0.type))" }.joined(separator: ", ")
                throw FoveaError.deviceUnavailable(
                    "device '\(allGPUs)': no OpenCL GPU found (\(found.isEmpty ? listing.error ?? "no OpenCL devices" : found)); "
                        + "name the devices instead, e.g. opencl:0,opencl:1")
            }
            return gpus
        }
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if names.contains(where: \.isEmpty) {
            throw FoveaError.invalidArgument(
                "device list '\(text)': an empty name; separate devices with commas, e.g. opencl:0,opencl:1")
        }
        let devices = try names.map(parse)
        if let twice = devices.first(where: { device in devices.filter { $0 == device }.count > 1 }) {
            throw FoveaError.invalidArgument("device list '\(text)': \(twice) is named twice; each device trains one replica")
        }
        return devices
    }

    /// `devices` named as `parseList` reads them back (`opencl:0,opencl:1`).
    public static func listDescription(_ devices: [Device]) -> String {
        devices.map(\.description).joined(separator: ",")
    }
}
