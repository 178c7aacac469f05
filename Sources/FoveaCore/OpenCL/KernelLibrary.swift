/// The OpenCL C sources embedded from `Kernels/*.cl`.
public enum KernelLibrary {
    /// Names of all programs (file names without `.cl`), sorted.
    public static var programNames: [String] { EmbeddedKernels.sources.keys.sorted() }
    /// The source of program `name`.
    public static func source(of name: String) -> String? { EmbeddedKernels.sources[name] }
}
