import Foundation

/// `FOVEA_OPENCL_AS=gpu` makes every OpenCL device choose as a GPU would: it reports itself as a GPU with the limits
/// of an NVIDIA H200 (132 compute units, work-groups of at most 1024 items, at most 48 KiB of local memory, float
/// vectors of width 1), so each place that asks `isGPU` or a limit takes the GPU path at once. With it, PoCL on any
/// machine runs the kernels, GEMM routing (CLBlast), work-group sizes and `auto` device choice a GPU gets, in tests
/// and CI. Limits are only lowered, never raised above what the device really supports.
enum GPUEmulation {
    /// The environment variable.
    static let variable = "FOVEA_OPENCL_AS"

    /// Whether the variable asks for GPU choices; an error for a value it does not know.
    static func requested(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Bool {
        guard let value = environment[variable], !value.isEmpty else { return false }
        guard value.lowercased() == "gpu" else {
            throw FoveaError.deviceUnavailable("\(variable)=\(value): the only choice is gpu (or leave it unset)")
        }
        return true
    }
}

extension OpenCLDeviceInfo {
    /// This device as it reports itself under `FOVEA_OPENCL_AS=gpu`.
    func actingAsGPU() -> OpenCLDeviceInfo {
        var info = self
        info.nativeType = type
        info.type = "GPU"
        info.computeUnits = 132
        info.maxWorkGroupSize = Swift.min(maxWorkGroupSize, 1024)
        info.localMemoryBytes = Swift.min(localMemoryBytes, 48 * 1024)
        info.preferredFloatVectorWidth = 1
        return info
    }
}
