import Foundation

// `Scripts/fuzz.sh` builds with `swift build --sanitize=fuzzer`, which links libFuzzer, and its `main`, into every
// executable, this build tool too. There libFuzzer's `main` starts first and calls these two hooks: the first one
// runs the tool as usual and exits, so the fuzzer never starts. In an ordinary build nothing calls them.

/// libFuzzer's initialization hook: runs the embedder with the tool's own arguments and exits.
@_cdecl("LLVMFuzzerInitialize")
public func runInsteadOfFuzzer(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
    do {
        try KernelEmbedder.run()
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("KernelEmbedder: \(error)\n".utf8))
        exit(1)
    }
}

/// libFuzzer's fuzz target, which it needs to link; never reached.
@_cdecl("LLVMFuzzerTestOneInput")
public func unusedFuzzTarget(_ data: UnsafeRawPointer, _ size: Int) -> CInt { 0 }
