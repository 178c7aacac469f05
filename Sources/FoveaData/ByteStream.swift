import CZlib
import Foundation
import FoveaCore

/// The bytes of a file or a buffer, inflated on the fly when they are gzip'd (detected from the content, not the name).
///
/// Readers check a header before they ask for the data it promises: `read(upTo:)` grows its result only as data
/// arrives, so a header that lies about its size costs no memory, and `remainingCount()` finds trailing bytes, also
/// after the last gzip member (concatenated members are read as one stream, as gzip does).
final class ByteStream {
    /// The file's path (or the buffer's name), for error messages.
    let path: String
    private let source: RawSource
    private var gzip: GzipDecoder?
    /// Bytes of a plain file read ahead while sniffing for gzip's magic number.
    private var lookahead: [UInt8] = []

    /// Opens `url` (a plain or gzip'd file).
    convenience init(file url: URL) throws {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FoveaError.badFile(path: path, reason: "no such file")
        }
        if isDirectory.boolValue { throw FoveaError.badFile(path: path, reason: "is a directory, not a file") }
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw FoveaError.badFile(path: path, reason: "cannot be opened: \(String(cString: strerror(errno)))")
        }
        try self.init(path: path, source: .file(descriptor))
    }

    /// Reads `bytes` as if they were the content of a file called `name`.
    convenience init(bytes: [UInt8], name: String) throws {
        try self.init(path: name, source: .memory(bytes))
    }

    private init(path: String, source: RawSource) throws {
        self.path = path
        self.source = source
        var head = [UInt8](repeating: 0, count: 2)
        let got = try head.withUnsafeMutableBufferPointer { try source.read(into: $0.baseAddress!, count: 2, path: path) }
        head.removeLast(2 - got)
        if head == [0x1F, 0x8B] {
            gzip = try GzipDecoder(path: path, first: head)
        } else {
            lookahead = head
        }
    }

    deinit { source.close() }

    /// Up to `count` bytes: fewer only at the end of the data.
    func read(upTo count: Int) throws -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(min(count, Self.chunk))
        var chunk = [UInt8](repeating: 0, count: min(count, Self.chunk))
        while result.count < count {
            let wanted = min(count - result.count, chunk.count)
            let got = try chunk.withUnsafeMutableBufferPointer { try fill($0.baseAddress!, count: wanted) }
            if got == 0 { break }
            result.append(contentsOf: chunk[..<got])
        }
        return result
    }

    /// Everything up to the end of the data.
    func readToEnd() throws -> [UInt8] {
        var result: [UInt8] = []
        while true {
            let part = try read(upTo: Self.chunk)
            result += part
            if part.count < Self.chunk { return result }
        }
    }

    /// How many bytes are left (reading, and dropping, them all).
    func remainingCount() throws -> Int {
        var total = 0
        var chunk = [UInt8](repeating: 0, count: Self.chunk)
        while true {
            let got = try chunk.withUnsafeMutableBufferPointer { try fill($0.baseAddress!, count: $0.count) }
            if got == 0 { return total }
            total += got
        }
    }

    /// Writes up to `count` bytes to `buffer`; returns how many (0 at the end).
    private func fill(_ buffer: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        if let gzip { return try gzip.inflate(into: buffer, count: count, from: source) }
        var written = 0
        if !lookahead.isEmpty {
            written = min(count, lookahead.count)
            for i in 0..<written { buffer[i] = lookahead[i] }
            lookahead.removeFirst(written)
        }
        while written < count {
            let got = try source.read(into: buffer + written, count: count - written, path: path)
            if got == 0 { break }
            written += got
        }
        return written
    }

    private static let chunk = 1 << 20
}

/// Where a stream's raw (possibly compressed) bytes come from.
private final class RawSource {
    private let descriptor: Int32?
    private let bytes: [UInt8]
    private var position = 0

    static func file(_ descriptor: Int32) -> RawSource { RawSource(descriptor: descriptor, bytes: []) }
    static func memory(_ bytes: [UInt8]) -> RawSource { RawSource(descriptor: nil, bytes: bytes) }

    private init(descriptor: Int32?, bytes: [UInt8]) {
        self.descriptor = descriptor
        self.bytes = bytes
    }

    /// Up to `count` bytes into `buffer`; 0 at the end.
    func read(into buffer: UnsafeMutablePointer<UInt8>, count: Int, path: String) throws -> Int {
        guard let descriptor else {
            let got = min(count, bytes.count - position)
            if got == 0 { return 0 }
            bytes.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress! + position, count: got) }
            position += got
            return got
        }
        while true {
            let got = Foundation.read(descriptor, buffer, count)
            if got >= 0 { return got }
            if errno != EINTR { throw FoveaError.badFile(path: path, reason: "read failed: \(String(cString: strerror(errno)))") }
        }
    }

    func close() {
        if let descriptor { _ = Foundation.close(descriptor) }
    }
}

/// zlib's inflate over one or more gzip members, checking each member's CRC and length.
private final class GzipDecoder {
    private var stream = z_stream()
    private let input = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 16)
    private let capacity = 1 << 16
    private let path: String
    /// The current member ended (Z_STREAM_END); what follows must be another member or nothing.
    private var memberEnded = false

    init(path: String, first: [UInt8]) throws {
        self.path = path
        guard inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw FoveaError.badFile(path: path, reason: "cannot start gzip decompression")
        }
        for (i, byte) in first.enumerated() { input[i] = byte }
        stream.next_in = input
        stream.avail_in = UInt32(first.count)
    }

    deinit {
        inflateEnd(&stream)
        input.deallocate()
    }

    func inflate(into buffer: UnsafeMutablePointer<UInt8>, count: Int, from source: RawSource) throws -> Int {
        stream.next_out = buffer
        stream.avail_out = UInt32(min(count, Int(UInt32.max)))
        let requested = stream.avail_out
        while stream.avail_out > 0 {
            if stream.avail_in == 0 {
                let got = try source.read(into: input, count: capacity, path: path)
                if got == 0 {
                    if memberEnded { break }
                    throw FoveaError.badFile(
                        path: path, reason: "corrupt gzip data: truncated (the compressed stream ends early)")
                }
                stream.next_in = input
                stream.avail_in = UInt32(got)
            }
            if memberEnded {
                guard stream.next_in[0] == 0x1F else {
                    throw FoveaError.badFile(path: path, reason: "unexpected bytes after the end of the gzip data")
                }
                inflateReset(&stream)
                memberEnded = false
            }
            switch CZlib.inflate(&stream, Z_NO_FLUSH) {
            case Z_STREAM_END: memberEnded = true
            case Z_OK, Z_BUF_ERROR: continue
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "inflate failed"
                throw FoveaError.badFile(path: path, reason: "corrupt gzip data: \(message)")
            }
        }
        return Int(requested - stream.avail_out)
    }
}
