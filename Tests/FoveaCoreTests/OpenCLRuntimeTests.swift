import Foundation
import FoveaTestSupport
import Testing

@testable import FoveaCore

@Suite struct OpenCLRuntimeTests {
    static let openCLDevices = testDevices.filter { $0 != .cpu }

    @Test func embeddedKernelsMatchKernelsDirectory() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let files = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Kernels").path).filter {
            $0.hasSuffix(".cl")
        }
        #expect(Set(files.map { String($0.dropLast(3)) }) == Set(KernelLibrary.programNames))
        for file in files {
            let source = try String(contentsOf: root.appendingPathComponent("Kernels/\(file)"), encoding: .utf8)
            #expect(
                KernelLibrary.source(of: String(file.dropLast(3))) == source,
                "Kernels/\(file) differs from what the EmbedKernels plugin embedded")
        }
    }

    @Test(arguments: openCLDevices)
    func everyKernelFileBuilds(device: Device) throws {
        let context = try OpenCLBackend.backend(forDevice: 0).context
        for name in KernelLibrary.programNames {
            try context.compile(programNamed: name, source: KernelLibrary.source(of: name)!)
        }
    }

    @Test(arguments: openCLDevices)
    func brokenKernelReportsBuildLog(device: Device) throws {
        let context = try OpenCLBackend.backend(forDevice: 0).context
        do {
            try context.compile(programNamed: "broken", source: "__kernel void k(__global float *x) { x[0] = undefined_name; }")
            Issue.record("a broken kernel compiled")
        } catch let error as FoveaError {
            guard case .kernelBuild(let program, let log) = error else { Issue.record("wrong error \(error)"); return }
            #expect(program == "broken")
            #expect(log.contains("undefined_name"), "log: \(log)")
            #expect(error.description.contains("failed to build"))
        }
    }

    @Test(arguments: openCLDevices)
    func opsMakeNoHostSyncUntilRead(device: Device) throws {
        let a = try testTensor([16, 8], device: device, seed: 1)
        let b = try testTensor([8, 4], device: device, seed: 2)
        let before = OpenCLContext.hostSyncsOnCurrentThread
        let c = try Tensor.concatenate([a.matmul(b), a.matmul(b)], axis: 1).transposed().reshaped(-1)
        #expect(OpenCLContext.hostSyncsOnCurrentThread == before)
        _ = try c.toArray()
        #expect(OpenCLContext.hostSyncsOnCurrentThread == before + 1)
    }

    @Test(arguments: openCLDevices)
    func poolReusesBuffersAndTracksPeak(device: Device) throws {
        // A private pool, so tests running in parallel do not disturb the counts.
        let pool = BufferPool(context: try OpenCLBackend.backend(forDevice: 0).context.context)
        var first: CLStorage? = try pool.allocate(count: 1000, dtype: .float32)
        let buffer = first!.buffer
        #expect(pool.memoryUsage == MemoryUsage(currentBytes: 4000, peakBytes: 4000))
        first = nil
        #expect(pool.memoryUsage.currentBytes == 0)
        #expect(pool.cachedBytes == 4096)
        let second = try pool.allocate(count: 1024, dtype: .float32)
        #expect(second.buffer == buffer, "a freed buffer of the same size class is reused")
        #expect(pool.memoryUsage == MemoryUsage(currentBytes: 4096, peakBytes: 4096))
        #expect(BufferPool.sizeClass(forBytes: 3 << 20 + 1) == 4 << 20)
    }

    @Test(arguments: openCLDevices)
    func includesSpliceEmbeddedProgramsAndNameMissingOnes(device: Device) throws {
        let context = try OpenCLBackend.backend(forDevice: 0).context
        let source =
            "#include \"group_reduce.cl\"\n__kernel void k(__global float *x) { __local float s[LOCAL_SIZE]; x[0] = group_sum(s, x[0]); }"
        try context.compile(programNamed: "uses_include", source: source)
        #expect(
            throws: FoveaError.kernelBuild(program: "missing_include", log: "#include \"nope.cl\": there is no Kernels/nope.cl")
        ) {
            try context.compile(programNamed: "missing_include", source: "#include \"nope.cl\"\n")
        }
    }

    @Test func errorNamesAreSpelledOut() {
        let error = FoveaError.openCL(call: "clEnqueueNDRangeKernel", code: -5, kernel: "conv2d_forward")
        #expect(error.description == "clEnqueueNDRangeKernel failed with CL_OUT_OF_RESOURCES (-5) in kernel conv2d_forward")
    }
}

@Suite struct ProgramDiskCacheTests {
    @Test(arguments: OpenCLRuntimeTests.openCLDevices)
    func aSecondCacheLoadsBinariesInsteadOfCompiling(device: Device) throws {
        let context = try OpenCLBackend.backend(forDevice: 0).context
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        // Two caches on one directory stand for two processes.
        let first = ProgramCache(
            context: context.context, device: context.deviceID, info: context.info, cacheDirectory: directory)
        _ = try first.program(named: "memory", options: "")
        #expect(first.compiledFromSource == 1 && first.loadedFromDisk == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(files.count == 1 && files[0].hasPrefix("memory-") && files[0].hasSuffix(".bin"), "\(files)")

        let second = ProgramCache(
            context: context.context, device: context.deviceID, info: context.info, cacheDirectory: directory)
        _ = try second.program(named: "memory", options: "")
        #expect(second.compiledFromSource == 0 && second.loadedFromDisk == 1)
        // Other build options are another binary.
        _ = try second.program(named: "memory", options: "-DUNUSED=1")
        #expect(second.compiledFromSource == 1)
    }
}
