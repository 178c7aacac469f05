import Foundation
import FoveaTestSupport
import Testing

@testable import FoveaCore

/// CLBlast tuner results (FOVEA_CLBLAST_TUNING) are read from the tuner's own JSON and given to CLBlast.
@Suite struct CLBlastTuningTests {
    static let fixture = repositoryRoot.appendingPathComponent("Tests/FoveaCoreTests/Fixtures/clblast_xgemm_1_32.json")

    @Test func readsTheTunersJSON() throws {
        let result = try CLBlastTuning.read(Self.fixture)
        #expect(result.kernel == "Xgemm" && result.device == "pthread-skylake-avx512-AMD EPYC" && result.milliseconds == 0.09)
        #expect(
            result.parameters.count == 16 && result.parameters.first! == ("GEMMK", 0)
                && !result.parameters.contains { $0.name == "PRECISION" })
        let direct = try CLBlastTuning.read(
            Self.fixture.deletingLastPathComponent().appendingPathComponent("clblast_xgemm_direct_1_32.json"))
        #expect(direct.kernel == "XgemmDirect" && direct.parameters.contains { $0 == ("WGD", 32) })
        #expect(
            try CLBlastTuning.fromEnvironment(["FOVEA_CLBLAST_TUNING": Self.fixture.deletingLastPathComponent().path]) == [
                result, direct,
            ])
        #expect(try CLBlastTuning.fromEnvironment([:]).isEmpty)
        #expect(throws: FoveaError.badFile(path: "/nowhere", reason: "FOVEA_CLBLAST_TUNING: no such file or folder")) {
            try CLBlastTuning.fromEnvironment(["FOVEA_CLBLAST_TUNING": "/nowhere"])
        }
        let notTuner = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-not-tuner-\(UUID()).json")
        try Data("{\"kernel_family\": \"xgemm_1\"}".utf8).write(to: notTuner)
        defer { try? FileManager.default.removeItem(at: notTuner) }
        #expect(
            throws: FoveaError.badFile(
                path: notTuner.path,
                reason: "not a CLBlast tuner result (needs kernel_family, best_parameters, best_time and device)")
        ) {
            try CLBlastTuning.read(notTuner)
        }
    }

    /// The tuned parameters reach CLBlast for the device they were tuned on, and a CLBlast GEMM still agrees with the CPU.
    @Test(arguments: testDevices.filter { $0 != .cpu })
    func tunedParametersAreAppliedAndGEMMStillAgrees(device: Device) throws {
        guard case .opencl(let index) = device else { return }
        let backend = try OpenCLBackend.backend(forDevice: index)
        var result = try CLBlastTuning.read(Self.fixture)
        var direct = try CLBlastTuning.read(
            Self.fixture.deletingLastPathComponent().appendingPathComponent("clblast_xgemm_direct_1_32.json"))
        result.device = backend.context.info.name
        direct.device = result.device
        #expect(
            try CLBlastTuning.apply([result, direct], device: backend.context.deviceID, name: result.device) == [
                "Xgemm", "XgemmDirect",
            ])
        #expect(try CLBlastTuning.apply([result], device: backend.context.deviceID, name: "another device").isEmpty)
        let a = try testTensor([300, 240], device: .cpu), b = try testTensor([240, 260], device: .cpu, seed: 2)
        let expected = try a.matmul(b).toArray()
        #expect(allClose(try a.to(device).matmul(b.to(device)).toArray(), expected, atol: 1e-3))
    }
}
