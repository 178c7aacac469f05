import Foundation
import FoveaTestSupport
import Testing

@testable import FoveaCore

@Suite struct ProgramBundleTests {
    @Test func readsDefinesAndRefusesOtherOptions() throws {
        let defines = try #require(ProgramBundle.defines("-DLOCAL_SIZE=64 -DRELU"))
        #expect(defines.map(\.name) == ["LOCAL_SIZE", "RELU"] && defines.map(\.value) == ["64", "1"])
        #expect(ProgramBundle.defines("") != nil)
        #expect(ProgramBundle.defines("-DPX=16 -cl-fast-relaxed-math") == nil)
    }

    @Test func scopesEachMembersOptionsAndSplicesAnIncludeOnce() throws {
        let bundle = ProgramBundle([
            .init(program: "norm", options: "-DLOCAL_SIZE=64 -DBATCH_STATS=1"),
            .init(program: "loss", options: "-DLOCAL_SIZE=64 -DFROM_LOGITS=1"),
        ])
        let source = try bundle.source()
        #expect(source.components(separatedBy: "float group_sum(").count == 2, "group_reduce.cl spliced once")
        #expect(source.components(separatedBy: "#define LOCAL_SIZE 64\n").count == 3)
        #expect(source.components(separatedBy: "#undef LOCAL_SIZE").count == 3)
        #expect(source.hasPrefix("#define LOCAL_SIZE 64\n#define BATCH_STATS 1\n"))
        #expect(bundle.contains(program: "loss", options: "-DLOCAL_SIZE=64 -DFROM_LOGITS=1"))
        #expect(!bundle.contains(program: "loss", options: "-DLOCAL_SIZE=64 -DFROM_LOGITS=0"))
    }

    /// The step's programs build as one program, and launches with their options take kernels from it.
    @Test(arguments: OpenCLRuntimeTests.openCLDevices)
    func stepProgramsBuildTogether(device: Device) throws {
        let backend = try OpenCLBackend.backend(forDevice: 0)
        try backend.context.compile(programNamed: "bundle", source: try backend.stepPrograms.source())
        let cache = ProgramCache(
            context: backend.context.context, device: backend.context.deviceID, info: backend.context.info, cacheDirectory: nil)
        cache.bundle = backend.stepPrograms
        let memory = try cache.program(named: "memory", options: "")
        #expect(try cache.program(named: "optim", options: backend.optimOptions) == memory)
        #expect(try cache.program(named: "pool", options: backend.poolOptions(.max)) == memory)
        #expect(try cache.program(named: "pool", options: backend.poolOptions(.average)) == memory)
        #expect(try cache.program(named: "pool", options: backend.poolOptions(.sum)) != memory)
        // elementwise.cl's common build (ReLU, +, -, *, / and the strided kernels) is in the bundle, the others' not.
        #expect(try cache.program(named: "elementwise", options: OpenCLBackend.commonElementwiseOptions) == memory)
        #expect(try cache.program(named: "elementwise", options: "") != memory)
        #expect(cache.compiledFromSource == 3)
    }
}
