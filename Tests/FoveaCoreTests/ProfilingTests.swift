import Foundation
import FoveaTestSupport
import Testing

@testable import FoveaCore

/// OpenCL profiles: CLBlast calls are timed between markers, and a long profile folds finished events as it goes.
@Suite(.serialized) struct ProfilingTests {
    @Test(arguments: testDevices.filter { $0 != .cpu })
    func clblastCallsAndManyLaunchesAreCounted(device: Device) throws {
        guard case .opencl(let index) = device else { return }
        let backend = try OpenCLBackend.backend(forDevice: index)
        let context = backend.context
        // 300 x 260 x 240 is above the size CPU devices hand to CLBlast.
        let d = GemmDescriptor(m: 300, n: 260, k: 240, transposeA: false, transposeB: false, alpha: 1, beta: 0)
        let a = try backend.allocate(300 * 240), b = try backend.allocate(240 * 260), c = try backend.allocate(300 * 260)
        let rows = try backend.allocate(64), output = try backend.allocate(64)
        let arguments: [KernelArgument] = [.buffer(rows), .buffer(output), .int(0), .int(1), .int(1), .int(64)]
        context.startProfiling()
        try backend.gemm(d, a: a, b: b, c: c)
        for _ in 0..<5000 { try context.launch("conv_scatter_output", program: "conv", global: [64], arguments: arguments) }
        let profile = try context.stopProfiling()
        let gemm = profile.first { $0.kernel.hasPrefix("CLBlast sgemm 300x260x240") }
        #expect(gemm?.launches == 1 && (gemm?.seconds ?? 0) > 0, "\(profile)")
        // Other suites run in parallel on the same context and may launch this kernel while the profile is on
        // (LaunchChecksTests does): count at least this test's launches, every one of them.
        #expect((profile.first { $0.kernel == "conv_scatter_output" }?.launches ?? 0) >= 5000)
    }
}
