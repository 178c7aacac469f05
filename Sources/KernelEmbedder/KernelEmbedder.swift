// Writes a Swift file holding OpenCL C sources: `KernelEmbedder OUTPUT.swift A.cl B.cl ...`.
// Run by the EmbedKernels build-tool plugin; each program is named after its file (conv.cl -> "conv").
// An explicit @main (not top-level code) so that the tool also builds where SwiftPM compiles executables as
// libraries, as `swift build --sanitize=fuzzer` does for Scripts/fuzz.sh (see FuzzBuild.swift).
import Foundation

@main
enum KernelEmbedder {
    static func main() throws { try run() }

    /// Embeds the files named on the command line.
    nonisolated static func run() throws {
        let arguments = CommandLine.arguments.dropFirst()
        guard let output = arguments.first else {
            FileHandle.standardError.write(Data("usage: KernelEmbedder OUTPUT.swift KERNEL.cl...\n".utf8))
            exit(2)
        }
        var swift = "// Generated at build time from Kernels/*.cl by the EmbedKernels plugin.\n"
        swift += "enum EmbeddedKernels {\n    /// Program name (the file name without .cl) -> OpenCL C source.\n"
        swift += "    static let sources: [String: String] = [\n"
        for path in arguments.dropFirst() {
            let url = URL(fileURLWithPath: path)
            let source = try String(contentsOf: url, encoding: .utf8)
            // A raw string whose delimiter cannot occur in the source.
            var hashes = "#"
            while source.contains("\"" + hashes) { hashes += "#" }
            swift +=
                "        \"\(url.deletingPathExtension().lastPathComponent)\": \(hashes)\"\"\"\n\(source)\n\"\"\"\(hashes),\n"
        }
        swift += "    ]\n}\n"
        try swift.write(to: URL(fileURLWithPath: output), atomically: true, encoding: .utf8)
    }
}
