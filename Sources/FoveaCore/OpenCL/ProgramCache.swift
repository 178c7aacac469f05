import COpenCL
import Foundation

/// Builds each `Kernels/*.cl` program once per context and option set, and keeps compiled binaries on disk
/// (under `$XDG_CACHE_HOME/fovea` or `~/.cache/fovea`) keyed by device, driver, options and source.
final class ProgramCache {
    private let context: cl_context
    private let device: cl_device_id
    private let info: OpenCLDeviceInfo
    private var programs: [String: cl_program] = [:]
    /// Programs compiled from source in this process (a warm start compiles none).
    private(set) var compiledFromSource = 0
    /// Programs loaded from the disk cache in this process.
    private(set) var loadedFromDisk = 0
    /// Where binaries are kept (nil: no disk cache).
    private let cacheDirectory: URL?
    /// Programs built together when one of them is first asked for with its bundled options.
    var bundle: ProgramBundle?

    init(context: cl_context, device: cl_device_id, info: OpenCLDeviceInfo, cacheDirectory: URL?) {
        self.context = context
        self.device = device
        self.info = info
        self.cacheDirectory = cacheDirectory
    }

    deinit { for program in programs.values { clReleaseProgram(program) } }

    /// Where this device's compiled binaries live: nil on PoCL, whose own cache (`~/.cache/pocl`, or
    /// `$XDG_CACHE_HOME/pocl`) keeps both the front end's output and every kernel as compiled for a launch; asking PoCL for
    /// a program's binary compiles every kernel of the program first, which cost a cold LeNet-5 step about 5 of its
    /// 8 CPU seconds for the 0.3 s it saves a warm start.
    static func directory(for info: OpenCLDeviceInfo) -> URL? {
        info.platformName.contains("Portable Computing Language") ? nil : directory
    }

    /// Where compiled binaries live; nil when caching is disabled (`FOVEA_KERNEL_CACHE=0`).
    static var directory: URL? {
        let environment = ProcessInfo.processInfo.environment
        if environment["FOVEA_KERNEL_CACHE"] == "0" { return nil }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg).appendingPathComponent("fovea")
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/fovea")
    }

    func program(named name: String, options: String) throws -> cl_program {
        if let bundle, bundle.contains(program: name, options: options) {
            if let cached = programs[Self.bundleKey] { return cached }
            let program = try build(name: "bundle", source: try bundle.source(), options: "")
            programs[Self.bundleKey] = program
            return program
        }
        let key = name + "|" + options
        if let cached = programs[key] { return cached }
        guard let source = EmbeddedKernels.sources[name] else {
            throw FoveaError.invalidArgument("no kernel program named \(name) (expected Kernels/\(name).cl)")
        }
        let program = try build(name: name, source: try Self.splicingIncludes(into: source, of: name), options: options)
        programs[key] = program
        return program
    }

    /// Compiles `source`, or loads its binary from disk; throws with the build log on failure.
    func build(name: String, source: String, options: String) throws -> cl_program {
        let fullOptions = "-cl-std=CL1.2 " + options
        let hash = Self.fnv1a(
            [info.platformName, info.name, info.driverVersion, info.deviceVersion, fullOptions, source].joined(separator: "\u{1}")
        )
        let file = cacheDirectory?.appendingPathComponent("\(name)-\(String(hash, radix: 16)).bin")
        if let file, let binary = try? Data(contentsOf: file), let program = try? fromBinary(binary, options: fullOptions) {
            loadedFromDisk += 1
            return program
        }
        var status: cl_int = 0
        let program: cl_program? = source.withCString { pointer in
            var sources: UnsafePointer<CChar>? = pointer
            var length = strlen(pointer)
            return clCreateProgramWithSource(context, 1, &sources, &length, &status)
        }
        guard let program else { throw FoveaError.openCL(call: "clCreateProgramWithSource(\(name))", code: status, kernel: nil) }
        var device: cl_device_id? = self.device
        let buildStatus = clBuildProgram(program, 1, &device, fullOptions, nil, nil)
        if buildStatus != CL_SUCCESS {
            let log = buildLog(program)
            clReleaseProgram(program)
            if buildStatus == CL_BUILD_PROGRAM_FAILURE || !log.isEmpty {
                throw FoveaError.kernelBuild(program: name, log: log.isEmpty ? OpenCLErrorNames.name(of: buildStatus) : log)
            }
            throw FoveaError.openCL(call: "clBuildProgram(\(name))", code: buildStatus, kernel: nil)
        }
        compiledFromSource += 1
        if let file, let binary = binary(of: program) { Self.writeAtomically(binary, to: file) }
        return program
    }

    private func fromBinary(_ binary: Data, options: String) throws -> cl_program {
        var status: cl_int = 0, binaryStatus: cl_int = 0
        var device: cl_device_id? = self.device
        let program: cl_program? = binary.withUnsafeBytes { raw in
            var pointer: UnsafePointer<UInt8>? = raw.bindMemory(to: UInt8.self).baseAddress
            var length = binary.count
            return clCreateProgramWithBinary(context, 1, &device, &length, &pointer, &binaryStatus, &status)
        }
        guard let program, status == CL_SUCCESS, binaryStatus == CL_SUCCESS else {
            if let program { clReleaseProgram(program) }
            throw FoveaError.openCL(call: "clCreateProgramWithBinary", code: status, kernel: nil)
        }
        guard clBuildProgram(program, 1, &device, options, nil, nil) == CL_SUCCESS else {
            clReleaseProgram(program)
            throw FoveaError.openCL(call: "clBuildProgram(binary)", code: CL_BUILD_PROGRAM_FAILURE, kernel: nil)
        }
        return program
    }

    private func buildLog(_ program: cl_program) -> String {
        var size = 0
        clGetProgramBuildInfo(program, device, cl_program_build_info(CL_PROGRAM_BUILD_LOG), 0, nil, &size)
        var bytes = [CChar](repeating: 0, count: size + 1)
        clGetProgramBuildInfo(program, device, cl_program_build_info(CL_PROGRAM_BUILD_LOG), size, &bytes, nil)
        return String(cString: bytes).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func binary(of program: cl_program) -> Data? {
        var size = 0
        guard
            clGetProgramInfo(program, cl_program_info(CL_PROGRAM_BINARY_SIZES), MemoryLayout<Int>.size, &size, nil) == CL_SUCCESS,
            size > 0
        else { return nil }
        var data = Data(count: size)
        let status = data.withUnsafeMutableBytes { raw -> cl_int in
            var pointer: UnsafeMutableRawPointer? = raw.baseAddress
            return clGetProgramInfo(
                program, cl_program_info(CL_PROGRAM_BINARIES), MemoryLayout<UnsafeMutableRawPointer>.size, &pointer, nil)
        }
        return status == CL_SUCCESS ? data : nil
    }

    /// Publishes a binary whole (`AtomicFile`), best effort: a cache that cannot be written only costs a compile later.
    private static func writeAtomically(_ data: Data, to file: URL) {
        try? FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? AtomicFile.write(data, to: file)
    }

    /// Replaces each `#include "NAME.cl"` line with the embedded source of `Kernels/NAME.cl` (one level deep):
    /// the binary carries no kernel files for the OpenCL compiler to find.
    static func splicingIncludes(into source: String, of name: String) throws -> String {
        var spliced = Set<String>()
        return try splicingIncludes(into: source, of: name, skipping: &spliced)
    }

    /// `splicingIncludes`, leaving out files already in `spliced` (a bundle's members include a file once in all).
    static func splicingIncludes(into source: String, of name: String, skipping spliced: inout Set<String>) throws -> String {
        guard source.contains("#include") else { return source }
        return try source.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let text = line.trimmingCharacters(in: .whitespaces)
            guard text.hasPrefix("#include \""), text.hasSuffix(".cl\"") else { return String(line) }
            let included = String(text.dropFirst("#include \"".count).dropLast(".cl\"".count))
            guard let body = EmbeddedKernels.sources[included] else {
                throw FoveaError.kernelBuild(program: name, log: "\(text): there is no Kernels/\(included).cl")
            }
            return spliced.insert(included).inserted ? body : ""
        }.joined(separator: "\n")
    }

    private static let bundleKey = "bundle|"

    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}

extension OpenCLContext {
    /// Builds `source` as a program right now (used to check every `.cl` file and to surface build logs).
    public func compile(programNamed name: String, source: String, options: String = "") throws {
        lock.lock(); defer { lock.unlock() }
        let program = try programs.build(
            name: name, source: try ProgramCache.splicingIncludes(into: source, of: name), options: options)
        clReleaseProgram(program)
    }

    /// Programs compiled from source and loaded from the disk cache in this process.
    public var programStatistics: (compiled: Int, loadedFromDisk: Int) {
        (programs.compiledFromSource, programs.loadedFromDisk)
    }
}

extension OpenCLContext {
    /// Compiles `bundle`'s members as one program from now on, each the first time one of them is launched.
    func compileTogether(_ bundle: ProgramBundle) {
        lock.lock(); defer { lock.unlock() }
        programs.bundle = bundle
    }
}
