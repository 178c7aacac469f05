import COpenCL

/// A kernel by name, program and build options: what `OpenCLContext` caches kernel objects by.
struct KernelKey: Hashable {
    let name: String
    let program: String
    let options: String
}

/// One kernel object with the arguments it was last launched with: a launch sets only the arguments that changed, so
/// a kernel launched again with the same sizes and buffers (every training step) sets none. Used with the context's
/// lock held (kernel objects are not thread-safe).
final class KernelEntry {
    let kernel: cl_kernel
    /// What each argument slot holds (nil: unknown). Handles, not storages, so no buffer is kept alive by a kernel.
    private var current: [SetValue?] = []

    /// An argument as the kernel keeps it: a buffer is its `cl_mem` handle.
    private enum SetValue: Equatable {
        case buffer(cl_mem), int(Int), float(UInt32), local(Int)

        init(_ argument: KernelArgument) {
            switch argument {
            case .buffer(let storage): self = .buffer((storage as! CLStorage).buffer)
            case .int(let value): self = .int(value)
            case .float(let value): self = .float(value.bitPattern)
            case .local(let bytes): self = .local(bytes)
            }
        }
    }

    init(_ kernel: cl_kernel) { self.kernel = kernel }

    /// Sets `arguments` that differ from the last launch's; `name` is for errors.
    func set(_ arguments: [KernelArgument], kernel name: String) throws {
        if current.count != arguments.count { current = Array(repeating: nil, count: arguments.count) }
        for (index, argument) in arguments.enumerated() {
            let value = SetValue(argument)
            if current[index] == value { continue }
            // Forget the slot first: if setting it fails, the next launch must set it again.
            current[index] = nil
            let status: cl_int
            switch argument {
            case .buffer(let storage):
                var mem: cl_mem? = (storage as! CLStorage).buffer
                status = clSetKernelArg(kernel, cl_uint(index), MemoryLayout<cl_mem>.size, &mem)
            case .int(let value):
                var v = try LaunchChecks.int32(value, argument: index, kernel: name)
                status = clSetKernelArg(kernel, cl_uint(index), MemoryLayout<cl_int>.size, &v)
            case .float(let value):
                var v = value
                status = clSetKernelArg(kernel, cl_uint(index), MemoryLayout<Float>.size, &v)
            case .local(let bytes):
                status = clSetKernelArg(kernel, cl_uint(index), bytes, nil)
            }
            try checkCL(status, "clSetKernelArg(\(index))", kernel: name)
            current[index] = value
        }
    }
}
