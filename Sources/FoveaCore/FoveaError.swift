/// Every error Fovea throws: each names what was wrong and where.
public enum FoveaError: Error, CustomStringConvertible, Equatable {
    /// Two shapes that an op cannot combine.
    case shapeMismatch(op: String, Shape, Shape)
    /// Two tensors of one op live on different devices.
    case deviceMismatch(op: String, Device, Device)
    /// An argument out of its domain (an axis, a size, a name).
    case invalidArgument(String)
    /// An OpenCL call that returned an error code.
    case openCL(call: String, code: Int32, kernel: String?)
    /// A `.cl` program that did not build; carries the compiler's log.
    case kernelBuild(program: String, log: String)
    /// No such device, or a device that cannot be opened.
    case deviceUnavailable(String)
    /// A file that is missing, truncated or malformed.
    case badFile(path: String, reason: String)
    /// An op given a tensor of an element type it does not take.
    case unsupportedDType(op: String, DType)

    public var description: String {
        switch self {
        case let .shapeMismatch(op, a, b):
            return "\(op): shapes \(a) and \(b) do not match"
        case let .deviceMismatch(op, a, b):
            return "\(op): tensors are on different devices (\(a) and \(b)); move one with .to(_:)"
        case let .invalidArgument(message):
            return message
        case let .openCL(call, code, kernel):
            let name = OpenCLErrorNames.name(of: code)
            return "\(call) failed with \(name) (\(code))" + (kernel.map { " in kernel \($0)" } ?? "")
        case let .kernelBuild(program, log):
            return "OpenCL program \(program) failed to build:\n\(log)"
        case let .deviceUnavailable(message):
            return message
        case let .badFile(path, reason):
            return "\(path): \(reason)"
        case let .unsupportedDType(op, dtype):
            return "\(op): dtype \(dtype) is not supported"
        }
    }
}
