import Foundation
import PackagePlugin

/// Embeds every `Kernels/*.cl` file into FoveaCore at build time (as `EmbeddedKernels.sources`),
/// so the binary carries its kernels and runs from any directory, and the `.cl` files stay the one source.
@main
struct EmbedKernels: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let directory = context.package.directoryURL.appending(path: "Kernels")
        let kernels = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "cl" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedKernels.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(kernels.count) OpenCL programs from Kernels/",
                executable: try context.tool(named: "KernelEmbedder").url,
                arguments: [output.path] + kernels.map(\.path),
                inputFiles: kernels, outputFiles: [output])
        ]
    }
}
