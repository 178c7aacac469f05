import COpenCL

/// What a GPU driver refuses, or silently gets wrong, that PoCL accepts: checked on every launch in debug builds (the
/// tests and CI), so a launch that would fail on a GPU fails here first, with the kernel named.
enum LaunchChecks {
    /// The most work-groups a grid may have along dimensions 1 and 2 (CUDA's grid limit, which NVIDIA's OpenCL keeps).
    static let largestGridDimension = 65535

    /// An argument as the 32-bit `int` a kernel takes, or an error naming the kernel when it does not fit (tensors
    /// of 2^31 elements or more are not supported on OpenCL).
    static func int32(_ value: Int, argument index: Int, kernel name: String) throws -> cl_int {
        guard let converted = cl_int(exactly: value) else {
            throw FoveaError.invalidArgument(
                "\(name): argument \(index) is \(value), beyond a 32-bit int: tensors of 2^31 "
                    + "elements or more are not supported on OpenCL")
        }
        return converted
    }

    /// Checks the argument count, the local size against the device's and the kernel's limits, the local memory, and
    /// the number of work-groups along dimensions 1 and 2.
    static func check(
        _ kernel: cl_kernel, name: String, device: cl_device_id, info: OpenCLDeviceInfo,
        global: [Int], local: [Int]?, arguments: [KernelArgument]
    ) throws {
        var argumentCount: cl_uint = 0
        clGetKernelInfo(kernel, cl_kernel_info(CL_KERNEL_NUM_ARGS), MemoryLayout<cl_uint>.size, &argumentCount, nil)
        guard Int(argumentCount) == arguments.count else {
            throw FoveaError.invalidArgument(
                "\(name): launched with \(arguments.count) arguments, the kernel takes \(argumentCount)")
        }
        var kernelLocalBytes: cl_ulong = 0
        clGetKernelWorkGroupInfo(
            kernel, device, cl_kernel_work_group_info(CL_KERNEL_LOCAL_MEM_SIZE), MemoryLayout<cl_ulong>.size,
            &kernelLocalBytes, nil)
        let dynamicLocal = arguments.reduce(0) { total, argument in
            if case .local(let bytes) = argument { return total + bytes }
            return total
        }
        guard Int(kernelLocalBytes) + dynamicLocal <= info.localMemoryBytes else {
            throw FoveaError.invalidArgument(
                "\(name): needs \(Int(kernelLocalBytes) + dynamicLocal) bytes of local memory, "
                    + "the device has \(info.localMemoryBytes)")
        }
        // Without a local size the driver may choose 1 along dimensions 1 and 2: count the worst case.
        for axis in global.indices.dropFirst() {
            let groups = local.map { (global[axis] + $0[axis] - 1) / $0[axis] } ?? global[axis]
            guard groups <= largestGridDimension else {
                throw FoveaError.invalidArgument(
                    "\(name): \(groups) work-groups along dimension \(axis), more than the "
                        + "\(largestGridDimension) a GPU grid allows there (move the axis to dimension 0)")
            }
        }
        guard let local else { return }
        var kernelLimit = 0
        clGetKernelWorkGroupInfo(
            kernel, device, cl_kernel_work_group_info(CL_KERNEL_WORK_GROUP_SIZE), MemoryLayout<Int>.size, &kernelLimit, nil)
        let items = local.reduce(1, *)
        guard items <= info.maxWorkGroupSize, kernelLimit == 0 || items <= kernelLimit else {
            throw FoveaError.invalidArgument(
                "\(name): work-groups of \(local) (\(items) items) exceed the device's \(info.maxWorkGroupSize) "
                    + "or the kernel's \(kernelLimit)")
        }
    }
}
