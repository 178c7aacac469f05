import Foundation
import Fovea

/// What `fovea evaluate --json` and `--report DIR` share: JSON with snake_case keys, and the report's folder.
enum ReportFiles {
    /// `value` as pretty-printed JSON, keys in snake_case and sorted.
    static func json(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try encoder.encode(value)
    }

    /// Makes `folder` (and its parents) for `--report`.
    static func createFolder(_ folder: URL) throws {
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw FoveaError.file(folder.path, error, doing: "--report: cannot create the folder")
        }
    }
}
