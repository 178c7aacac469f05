// swift-tools-version:6.0
import PackageDescription

/// libFuzzer targets for every reader of outside bytes. Build and run one with `Scripts/fuzz.sh TARGET SECONDS`,
/// which adds address sanitizer and coverage to every module; the seed corpora live in `Corpus/` (written by
/// `make_seeds.py`), and the test suite runs them through the readers too.
let readers = [
    "FuzzSafetensors": "FoveaNN", "FuzzIDX": "FoveaData", "FuzzCSV": "FoveaData", "FuzzAnymap": "FoveaData",
    "FuzzPNG": "FoveaData", "FuzzJPEG": "FoveaData",
]

let package = Package(
    name: "FoveaFuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "Fovea", path: "../..")],
    targets: readers.keys.sorted().map { name in
        .executableTarget(name: name, dependencies: [.product(name: readers[name]!, package: "Fovea")])
    },
    swiftLanguageModes: [.v5]
)
