import Foundation

/// Writes TensorBoard event files without TensorFlow, as PyTorch's `SummaryWriter` does: `tensorboard --logdir`
/// on the directory (or a parent) shows the scalars, histograms, images and text added.
///
/// Each writer makes a new file, `events.out.tfevents.SECONDS.HOST.PID.N`, whose first event gives the format's
/// version (`brain.Event:2`); every `add...` call appends one event, framed as a TFRecord, straight to the file.
public final class SummaryWriter {
    /// The directory that holds the event file.
    public let logDirectory: URL
    /// The event file.
    public let file: URL
    private let handle: FileHandle
    private let lock = NSLock()
    nonisolated(unsafe) private static var filesMade = 0
    private static let counterLock = NSLock()

    /// Creates `logDirectory` when needed and a new event file in it.
    public init(logDirectory: URL) throws {
        self.logDirectory = logDirectory
        let number = Self.counterLock.withLock { () -> Int in
            Self.filesMade += 1; return Self.filesMade
        }
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost"
        let seconds = Self.fileSeconds(in: logDirectory)
        file = logDirectory.appendingPathComponent("events.out.tfevents.\(seconds).\(host).\(getpid()).\(number)")
        do {
            try FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
                throw CocoaError(
                    .fileWriteNoPermission,
                    userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(errno))])
            }
            handle = try FileHandle(forWritingTo: file)
        } catch {
            throw FoveaError.file(file.path, error, doing: "cannot create the TensorBoard event file")
        }
        try write(EventRecord.fileVersion(wallTime: Date().timeIntervalSince1970))
    }

    deinit { try? handle.close() }

    /// A point of the curve `tag` (the Scalars tab).
    public func addScalar(_ tag: String, _ value: Float, step: Int) throws {
        try add([(tag, .scalar(value))], step: step)
    }

    /// The distribution of `values` in 30 equal-width buckets (the Histograms and Distributions tabs).
    public func addHistogram(_ tag: String, values: [Float], step: Int) throws {
        try add([(tag, .histogram(Histogram(values: values)))], step: step)
    }

    /// The distribution of a tensor's values, float32 or int32 (a host read on OpenCL).
    public func addHistogram(_ tag: String, _ tensor: Tensor, step: Int) throws {
        let values = tensor.dtype == .int32 ? try tensor.toInt32Array().map(Float.init) : try tensor.toArray()
        try addHistogram(tag, values: values, step: step)
    }

    /// An image from `values` [channels (1 or 3), height, width] in [0, 1] (the Images tab); see `ImageGrid` to put
    /// several images in one.
    public func addImage(_ tag: String, values: [Float], shape: Shape, step: Int) throws {
        let png = try PNG.encode(values: values, shape: shape)
        try add([(tag, .image(png: png, height: shape[1], width: shape[2], channels: shape[0]))], step: step)
    }

    /// Markdown text (the Text tab).
    public func addText(_ tag: String, _ text: String, step: Int) throws {
        try add([(tag, .text(text))], step: step)
    }

    /// One event holding `values` at `step`, stamped with the current time.
    public func add(_ values: [(tag: String, value: SummaryValue)], step: Int) throws {
        try write(EventRecord.summary(values, step: step, wallTime: Date().timeIntervalSince1970))
    }

    /// Makes sure what was added is on disk.
    public func flush() throws {
        do { try lock.withLock { try handle.synchronize() } } catch {
            throw FoveaError.file(file.path, error, doing: "cannot flush the TensorBoard event file")
        }
    }

    private func write(_ event: Data) throws {
        do { try lock.withLock { try handle.write(contentsOf: TFRecord.frame(event)) } } catch {
            throw FoveaError.file(file.path, error, doing: "cannot write the TensorBoard event file")
        }
    }
}

extension SummaryWriter {
    /// The SECONDS of a new event file's name: now, or one past the newest event file already in `directory`.
    /// TensorBoard reads a directory's files in name order, so a run resumed within the second its last part started
    /// would otherwise sort by process id, and its steps would come before the earlier file's.
    static func fileSeconds(in directory: URL) -> Int {
        let prefix = "events.out.tfevents."
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let newest = names.filter { $0.hasPrefix(prefix) }.compactMap { Int($0.dropFirst(prefix.count).prefix { $0 != "." }) }
            .max()
        let afterNewest = newest.map { $0 == .max ? $0 : $0 + 1 } ?? 0
        return max(Int(Date().timeIntervalSince1970), afterNewest)
    }
}
