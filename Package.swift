// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Fovea",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Fovea", targets: ["Fovea"]),
        .library(name: "FoveaCore", targets: ["FoveaCore"]),
        .library(name: "FoveaNN", targets: ["FoveaNN"]),
        .library(name: "FoveaData", targets: ["FoveaData"]),
        .executable(name: "fovea", targets: ["FoveaCLI"]),
        .executable(name: "fovea-bench", targets: ["FoveaBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
    ],
    targets: [
        .systemLibrary(name: "COpenCL", path: "Sources/COpenCL"),
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG"),
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c"),
        .executableTarget(name: "KernelEmbedder"),
        .plugin(name: "EmbedKernels", capability: .buildTool(), dependencies: ["KernelEmbedder"]),
        // AVX-512 / AVX2 kernels chosen at run time (cpuid); the target itself builds for baseline x86-64.
        .target(name: "CVectorKernels"),
        // The CPU backend's worker threads (spin briefly, then sleep).
        .target(name: "CWorkers"),
        .target(name: "FoveaCore", dependencies: ["COpenCL", "CBLAS", "CVectorKernels", "CWorkers"],
                plugins: ["EmbedKernels"]),
        .target(name: "FoveaNN", dependencies: ["FoveaCore"]),
        .target(name: "FoveaData", dependencies: ["FoveaCore", "CZlib", "CPNG", "CJPEG"]),
        .target(name: "Fovea", dependencies: ["FoveaCore", "FoveaNN", "FoveaData"]),
        .target(name: "FoveaMPI", dependencies: ["Fovea", "CMPI"]),
        .executableTarget(name: "FoveaCLI", dependencies: [
            "Fovea", "FoveaMPI", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "FoveaBench", dependencies: ["FoveaCore", "FoveaNN", "Fovea", "FoveaMPI", "CBLAS"],
                          path: "Benchmarks/Harness"),
        .target(name: "FoveaTestSupport", dependencies: ["FoveaCore"], path: "Tests/Support"),
        .testTarget(name: "FoveaCoreTests", dependencies: ["FoveaCore", "CVectorKernels", "FoveaTestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "FoveaNNTests", dependencies: ["FoveaNN", "FoveaTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "FoveaDataTests", dependencies: ["FoveaData", "FoveaTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "FoveaTests", dependencies: ["Fovea", "FoveaCLI", "FoveaTestSupport"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v5]
)

// The DocC catalog (Sources/Fovea/Fovea.docc) builds with swift-docc-plugin, which only documentation builds fetch:
// `FOVEA_DOCS=1 swift package generate-documentation --target Fovea` (CONTRIBUTING.md). Clients and CI never need it.
if Context.environment["FOVEA_DOCS"] != nil {
    package.dependencies.append(.package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"))
}
