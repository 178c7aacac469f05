import ArgumentParser
import FoveaTestSupport
import Testing

@testable import Fovea
@testable import FoveaCLI

/// `fovea selftest`: every op agrees between OpenCL device 0 (PoCL here) and the CPU backend; the CPU is refused.
@Suite struct SelftestTests {
    @Test(.enabled(if: testDevices.contains(.opencl(0))))
    func everyOpAgreesOnOpenCL() throws {
        let results = try Selftest.run(device: .opencl(0), seed: 3)
        for result in results where !result.passed { Issue.record("\(result.line)") }
        #expect(results.count > 90)
        let names = Set(results.map(\.name))
        for name in ["gelu", "dropout p 0.3 (same seed)", "AdamW wd 0.01 (3 steps)", "normal mean 1 std 2 (same seed)"] {
            #expect(names.contains(name), "\(name)")
        }
    }

    @Test func failuresAreCountedAndReported() {
        let bad = Selftest.Result(
            name: "x",
            comparisons: [
                .init(label: "out", maxAbsolute: 1, maxRelative: 1, passed: false)
            ], error: nil)
        #expect(!bad.passed)
        #expect(bad.line.contains("FAIL"))
    }

    @Test func selftestOnTheCPUIsAClearError() throws {
        let message = CommandLineTests.failure(["selftest", "--device", "cpu"])
        #expect(message?.contains("nothing to compare") == true, "\(message ?? "")")
        #expect(throws: FoveaError.self) { try Selftest.run(device: .cpu) }
    }
}
