import Foundation

extension FoveaError {
    /// A short, human reason for a Foundation or POSIX error ("permission denied", "no space left on device"),
    /// for one-line messages that name the file themselves; never a raw `NSCocoaErrorDomain error 513`.
    public static func reason(_ error: Error) -> String {
        if let error = error as? FoveaError { return error.description }
        let nsError = error as NSError
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if let cocoa = error as? CocoaError {
            switch cocoa.code {
            case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file or directory"
            case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
            case .fileWriteOutOfSpace: return "no space left on device"
            case .fileWriteVolumeReadOnly: return "read-only file system"
            case .fileWriteFileExists: return "a file is in the way"
            case .fileReadCorruptFile: return "unreadable (corrupt)"
            default: break
            }
        }
        return "\(nsError.domain) error \(nsError.code)"
    }

    /// `error` as a `badFile` error about `path` (a FoveaError about another file is kept as it is). When Foundation
    /// gives no reason, the path itself is examined: a parent that is a file, or a folder that cannot be written.
    public static func file(_ path: String, _ error: Error, doing action: String) -> FoveaError {
        if let error = error as? FoveaError { return error }
        var why = reason(error)
        if why.hasPrefix(NSCocoaErrorDomain), let found = diagnose(path) { why = found }
        return .badFile(path: path, reason: "\(action): \(why)")
    }

    /// Why a file at `path` cannot be made: the nearest existing ancestor is a file, or is not writable.
    private static func diagnose(_ path: String) -> String? {
        var url = URL(fileURLWithPath: path)
        while url.path != "/" {
            url = url.deletingLastPathComponent()
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { continue }
            if !isDirectory.boolValue { return "\(url.path) is a file, not a folder" }
            if !FileManager.default.isWritableFile(atPath: url.path) { return "permission denied (\(url.path) is not writable)" }
            return nil
        }
        return nil
    }
}
