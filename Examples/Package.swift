// swift-tools-version:6.0
import PackageDescription

/// Example programs that use Fovea as a dependency, as another package would.
let package = Package(
    name: "FoveaExamples",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "lenet-random", targets: ["LeNetRandom"]),
        .executable(name: "doc-snippets", targets: ["DocSnippets"]),
    ],
    dependencies: [
        .package(name: "Fovea", path: ".."),
    ],
    targets: [
        .executableTarget(name: "LeNetRandom", dependencies: [.product(name: "Fovea", package: "Fovea")]),
        .executableTarget(name: "DocSnippets", dependencies: [.product(name: "Fovea", package: "Fovea")]),
    ],
    swiftLanguageModes: [.v5]
)
