import COpenCL
import Foundation

/// Kernel parameters that CLBlast's own tuners (`clblast_tuner_xgemm`, `clblast_tuner_xgemm_direct`, from Debian's
/// clblast-utils) found for a device, given to CLBlast with `CLBlastOverrideParameters` before the device's first GEMM.
/// CLBlast 1.5.3 ships tuned values only up to the A100; `FOVEA_CLBLAST_TUNING` names a tuner JSON file, or a folder
/// of them, and every result for this device (by name) is applied, the fastest per kernel.
public enum CLBlastTuning {
    /// One tuner result: the kernel, its parameters and the time the tuner measured.
    public struct Result: Equatable, Sendable {
        public var kernel: String
        public var device: String
        public var parameters: [(name: String, value: Int)]
        public var milliseconds: Double

        public static func == (a: Result, b: Result) -> Bool {
            a.kernel == b.kernel && a.device == b.device && a.milliseconds == b.milliseconds
                && a.parameters.map(\.name) == b.parameters.map(\.name) && a.parameters.map(\.value) == b.parameters.map(\.value)
        }
    }

    /// The single-precision result in a tuner's JSON file (`kernel_family`, `best_parameters` "NAME=VALUE ...", `device`).
    public static func read(_ url: URL) throws -> Result {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FoveaError.file(url.path, error, doing: "cannot read the CLBlast tuning")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let family = object["kernel_family"] as? String, let text = object["best_parameters"] as? String,
            let device = object["device"] as? String, let time = (object["best_time"] as? String).flatMap(Double.init)
        else {
            throw FoveaError.badFile(
                path: url.path, reason: "not a CLBlast tuner result (needs kernel_family, best_parameters, best_time and device)")
        }
        // CLBlast's database names a kernel family in CamelCase without the tuner's phase: xgemm_direct_1 -> XgemmDirect.
        let words = family.split(separator: "_").filter { Int($0) == nil }
        let kernel = words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        guard object["precision"] as? String == "32" else {
            throw FoveaError.badFile(
                path: url.path,
                reason: "holds precision \(object["precision"] ?? "none"); Fovea's GEMMs are single precision (32)")
        }
        var parameters: [(name: String, value: Int)] = []
        for pair in text.split(separator: " ") {
            let parts = pair.split(separator: "=")
            guard parts.count == 2, let value = Int(parts[1]) else {
                throw FoveaError.badFile(path: url.path, reason: "best_parameters entry '\(pair)' is not NAME=NUMBER")
            }
            if parts[0] != "PRECISION" { parameters.append((String(parts[0]), value)) }
        }
        return Result(kernel: kernel, device: device, parameters: parameters, milliseconds: time)
    }

    /// The results `FOVEA_CLBLAST_TUNING` names (a JSON file, or every `*.json` in a folder); none when it is unset.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> [Result] {
        guard let path = environment["FOVEA_CLBLAST_TUNING"], !path.isEmpty else { return [] }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FoveaError.badFile(path: path, reason: "FOVEA_CLBLAST_TUNING: no such file or folder")
        }
        guard isDirectory.boolValue else { return [try read(URL(fileURLWithPath: path))] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return try names.filter { $0.hasSuffix(".json") }.sorted().map {
            try read(URL(fileURLWithPath: path).appendingPathComponent($0))
        }
    }

    /// Gives CLBlast the fastest result per kernel among those for `device` (by name); returns the kernels tuned.
    @discardableResult
    static func apply(_ results: [Result], device: cl_device_id, name: String) throws -> [String] {
        var best: [String: Result] = [:]
        for result in results where result.device == name {
            if let current = best[result.kernel], current.milliseconds <= result.milliseconds { continue }
            best[result.kernel] = result
        }
        for result in best.values.sorted(by: { $0.kernel < $1.kernel }) {
            let names = result.parameters.map { strdup($0.name) }
            defer { for name in names { free(name) } }
            var pointers = names.map { UnsafePointer<CChar>($0) }
            var values = result.parameters.map(\.value)
            let status = CLBlastLock.run {
                CLBlastOverrideParameters(
                    device, result.kernel, CLBlastPrecisionSingle, result.parameters.count, &pointers, &values)
            }
            guard status == CLBlastSuccess else {
                throw FoveaError.deviceUnavailable(
                    "FOVEA_CLBLAST_TUNING: CLBlast refused the \(result.kernel) parameters for \(name) (status \(status.rawValue))"
                )
            }
        }
        return best.keys.sorted()
    }
}
