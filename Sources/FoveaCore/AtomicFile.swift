import Foundation

/// Whole files published atomically: written to `.NAME.TOKEN.tmp` beside the target, flushed to disk, then renamed,
/// so a reader (or a killed run) never sees half a file; `Checkpoint.recover` removes the temporary files a killed
/// writer leaves.
public enum AtomicFile {
    /// Replaces `url` with `data`; errors name `url` in one line.
    public static func write(_ data: Data, to url: URL) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(
            ".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
                throw CocoaError(
                    .fileWriteNoPermission,
                    userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(errno))])
            }
            let handle = try FileHandle(forWritingTo: temporary)
            defer { try? handle.close() }
            try handle.write(contentsOf: data)
            try handle.synchronize()
            guard rename(temporary.path, url.path) == 0 else {
                throw NSError(domain: NSPOSIXErrorDomain, code: Int(errno))
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw FoveaError.file(url.path, error, doing: "cannot write")
        }
    }
}
