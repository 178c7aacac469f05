import Foundation

/// Runs Python scripts for checks by independent readers (TensorBoard's own, Python's zlib); tests skip the check
/// with a printed message when `python3` cannot run.
enum PythonScript {
    /// The exit status and standard output of `python3 ARGUMENTS`, or nil when python3 is not there.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        // env exits with 127 when it cannot find python3.
        if process.terminationStatus == 127 { return nil }
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
