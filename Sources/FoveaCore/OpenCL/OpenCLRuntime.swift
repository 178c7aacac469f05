import COpenCL
import Foundation

/// What an OpenCL device is and can do.
public struct OpenCLDeviceInfo: Sendable, Equatable {
    /// Position in Fovea's flat list of devices over all platforms: `Device.opencl(index)`.
    public var index: Int
    public var platformName: String
    public var name: String
    public var vendor: String
    /// "GPU", "CPU", "accelerator" or "other".
    public var type: String
    public var computeUnits: Int
    public var globalMemoryBytes: Int
    public var localMemoryBytes: Int
    public var maxWorkGroupSize: Int
    /// Floats per SIMD vector the device prefers (16 for PoCL on AVX-512, 1 on most GPUs).
    public var preferredFloatVectorWidth: Int
    public var driverVersion: String
    public var deviceVersion: String
    public var openCLCVersion: String
    public var supportsFP16: Bool
    public var supportsFP64: Bool

    /// The device's own type when `FOVEA_OPENCL_AS=gpu` makes it act as a GPU (see `GPUEmulation`); nil otherwise.
    public var nativeType: String?

    public var isGPU: Bool { type == "GPU" }
}

/// Finds OpenCL devices and keeps one context per device.
public enum OpenCLRuntime {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var cachedListing:
        (devices: [OpenCLDeviceInfo], ids: [cl_device_id], platforms: [cl_platform_id], error: String?)?
    nonisolated(unsafe) private static var contexts: [Int: OpenCLContext] = [:]

    /// Every OpenCL device, or the reason there are none (no ICD, no platform).
    public static func listDevices() -> (devices: [OpenCLDeviceInfo], error: String?) {
        let listing = enumerate()
        return (listing.devices, listing.error)
    }

    /// Throws a clear error when `Device.opencl(index)` does not exist.
    public static func requireDevice(_ index: Int) throws {
        let listing = listDevices()
        if let error = listing.error { throw FoveaError.deviceUnavailable("OpenCL is unavailable: \(error)") }
        guard index >= 0, index < listing.devices.count else {
            throw FoveaError.deviceUnavailable(
                "no OpenCL device \(index): \(listing.devices.count) device(s) found (see `fovea devices`)")
        }
    }

    /// The shared context and queue of device `index`.
    public static func context(forDevice index: Int) throws -> OpenCLContext {
        try requireDevice(index)
        lock.lock(); defer { lock.unlock() }
        if let existing = contexts[index] { return existing }
        let listing = cachedListing!
        let context = try OpenCLContext(info: listing.devices[index], deviceID: listing.ids[index])
        contexts[index] = context
        return context
    }

    private static func enumerate() -> (
        devices: [OpenCLDeviceInfo], ids: [cl_device_id], platforms: [cl_platform_id], error: String?
    ) {
        lock.lock(); defer { lock.unlock() }
        if let cachedListing { return cachedListing }
        var result: (devices: [OpenCLDeviceInfo], ids: [cl_device_id], platforms: [cl_platform_id], error: String?) = (
            [], [], [], nil
        )
        var platformCount: cl_uint = 0
        let status = clGetPlatformIDs(0, nil, &platformCount)
        if status != CL_SUCCESS || platformCount == 0 {
            result.error =
                status == CL_SUCCESS || status == -1001
                ? "no OpenCL platform found (is an ICD such as pocl-opencl-icd installed?)"
                : "clGetPlatformIDs failed with \(OpenCLErrorNames.name(of: status))"
            cachedListing = result
            return result
        }
        let actAsGPU: Bool
        do { actAsGPU = try GPUEmulation.requested() } catch {
            result.error = "\(error)"
            cachedListing = result
            return result
        }
        var platforms = [cl_platform_id?](repeating: nil, count: Int(platformCount))
        clGetPlatformIDs(platformCount, &platforms, nil)
        for case let platform? in platforms {
            var deviceCount: cl_uint = 0
            guard clGetDeviceIDs(platform, cl_device_type(CL_DEVICE_TYPE_ALL), 0, nil, &deviceCount) == CL_SUCCESS,
                deviceCount > 0
            else { continue }
            var ids = [cl_device_id?](repeating: nil, count: Int(deviceCount))
            clGetDeviceIDs(platform, cl_device_type(CL_DEVICE_TYPE_ALL), deviceCount, &ids, nil)
            let platformName = platformString(platform, cl_platform_info(CL_PLATFORM_NAME))
            for case let id? in ids {
                let info = describe(id, index: result.devices.count, platformName: platformName)
                result.devices.append(actAsGPU ? info.actingAsGPU() : info)
                result.ids.append(id)
                result.platforms.append(platform)
            }
        }
        if result.devices.isEmpty { result.error = "OpenCL platforms found, but no devices" }
        cachedListing = result
        return result
    }

    private static func describe(_ id: cl_device_id, index: Int, platformName: String) -> OpenCLDeviceInfo {
        let typeBits: cl_device_type = deviceValue(id, CL_DEVICE_TYPE)
        let type: String
        if typeBits & cl_device_type(CL_DEVICE_TYPE_GPU) != 0 {
            type = "GPU"
        } else if typeBits & cl_device_type(CL_DEVICE_TYPE_CPU) != 0 {
            type = "CPU"
        } else if typeBits & cl_device_type(CL_DEVICE_TYPE_ACCELERATOR) != 0 {
            type = "accelerator"
        } else {
            type = "other"
        }
        let extensions = deviceString(id, CL_DEVICE_EXTENSIONS)
        let units: cl_uint = deviceValue(id, CL_DEVICE_MAX_COMPUTE_UNITS)
        let global: cl_ulong = deviceValue(id, CL_DEVICE_GLOBAL_MEM_SIZE)
        let local: cl_ulong = deviceValue(id, CL_DEVICE_LOCAL_MEM_SIZE)
        let workGroup: Int = deviceValue(id, CL_DEVICE_MAX_WORK_GROUP_SIZE)
        let vectorWidth: cl_uint = deviceValue(id, CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT)
        return OpenCLDeviceInfo(
            index: index, platformName: platformName,
            name: deviceString(id, CL_DEVICE_NAME), vendor: deviceString(id, CL_DEVICE_VENDOR), type: type,
            computeUnits: Int(units), globalMemoryBytes: Int(global), localMemoryBytes: Int(local),
            maxWorkGroupSize: workGroup, preferredFloatVectorWidth: Int(max(vectorWidth, 1)),
            driverVersion: deviceString(id, CL_DRIVER_VERSION), deviceVersion: deviceString(id, CL_DEVICE_VERSION),
            openCLCVersion: deviceString(id, CL_DEVICE_OPENCL_C_VERSION),
            supportsFP16: extensions.contains("cl_khr_fp16"), supportsFP64: extensions.contains("cl_khr_fp64"))
    }

    static func deviceString(_ id: cl_device_id, _ param: Int32) -> String {
        var size = 0
        clGetDeviceInfo(id, cl_device_info(param), 0, nil, &size)
        var bytes = [CChar](repeating: 0, count: size + 1)
        clGetDeviceInfo(id, cl_device_info(param), size, &bytes, nil)
        return String(cString: bytes).trimmingCharacters(in: .whitespaces)
    }

    static func deviceValue<T: FixedWidthInteger>(_ id: cl_device_id, _ param: Int32) -> T {
        var value: T = 0
        clGetDeviceInfo(id, cl_device_info(param), MemoryLayout<T>.size, &value, nil)
        return value
    }

    private static func platformString(_ id: cl_platform_id, _ param: cl_platform_info) -> String {
        var size = 0
        clGetPlatformInfo(id, param, 0, nil, &size)
        var bytes = [CChar](repeating: 0, count: size + 1)
        clGetPlatformInfo(id, param, size, &bytes, nil)
        return String(cString: bytes)
    }
}
