import Foundation

/// Where a tensor's data lives and its ops run.
public enum Device: Hashable, Sendable, CustomStringConvertible {
    /// The CPU backend (OpenBLAS + Swift).
    case cpu
    /// The N-th OpenCL device, counting devices of all platforms in order.
    case opencl(Int)

    public var description: String {
        switch self {
        case .cpu: return "cpu"
        case .opencl(let index): return "opencl:\(index)"
        }
    }

    /// Parses `cpu`, `gpu` (the first OpenCL GPU), `opencl`, `opencl:N` or `auto`.
    public static func parse(_ text: String) throws -> Device {
        let lowered = text.lowercased().trimmingCharacters(in: .whitespaces)
        switch lowered {
        case "cpu": return .cpu
        case "auto": return autoSelected().device
        case "opencl":
            try OpenCLRuntime.requireDevice(0)
            return .opencl(0)
        case "gpu":
            let listing = OpenCLRuntime.listDevices()
            guard let gpu = listing.devices.first(where: { $0.isGPU }) else {
                let found = listing.devices.map { "opencl:\($0.index) \($0.name) (\($0.type))" }.joined(separator: ", ")
                throw FoveaError.deviceUnavailable(
                    "device 'gpu': no OpenCL GPU found (\(found.isEmpty ? listing.error ?? "no OpenCL devices" : found)); "
                        + "use cpu, opencl, opencl:N or auto")
            }
            return .opencl(gpu.index)
        default:
            if lowered.hasPrefix("opencl:"), let index = Int(lowered.dropFirst("opencl:".count)), index >= 0 {
                try OpenCLRuntime.requireDevice(index)
                return .opencl(index)
            }
            throw FoveaError.invalidArgument("unknown device '\(text)': use cpu, gpu, opencl, opencl:N or auto")
        }
    }

    /// The first OpenCL GPU, else the CPU backend, with the reason when it is the CPU.
    public static func autoSelected() -> (device: Device, reason: String?) {
        let listing = OpenCLRuntime.listDevices()
        if let error = listing.error {
            return (.cpu, "OpenCL unavailable (\(error)); using the CPU backend")
        }
        if let gpu = listing.devices.first(where: { $0.isGPU }) {
            return (.opencl(gpu.index), nil)
        }
        return (.cpu, nil)
    }

    /// The device named by `FOVEA_DEVICE` (`auto` when unset). An unusable choice falls back to the CPU with one line on stderr.
    public static let `default`: Device = {
        let requested = ProcessInfo.processInfo.environment["FOVEA_DEVICE"] ?? "auto"
        if requested.lowercased() == "auto" {
            let choice = autoSelected()
            if let reason = choice.reason { FileHandle.standardError.write(Data("fovea: \(reason)\n".utf8)) }
            return choice.device
        }
        do { return try parse(requested) } catch {
            FileHandle.standardError.write(Data("fovea: FOVEA_DEVICE=\(requested): \(error); using the CPU backend\n".utf8))
            return .cpu
        }
    }()
}
