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

    /// `error` as a `badFile` error about `path` (a FoveaError about another file is kept as it is).
    public static func file(_ path: String, _ error: Error, doing action: String) -> FoveaError {
        if let error = error as? FoveaError { return error }
        return .badFile(path: path, reason: "\(action): \(reason(error))")
    }
}
