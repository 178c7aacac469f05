import Foundation

/// A named data set with its train and test parts and the normalization its images need.
public struct DataSource {
    /// The name as given to `--data` (`fashion-mnist`, `mnist`, `cifar10`, `cifar100`, `csv:PATH`).
    public let name: String
    public let train: InMemoryDataset
    public let test: InMemoryDataset
    /// Per-channel normalization for images (nil for tabular data, which comes standardized).
    public let normalization: Normalize?

    public var classNames: [String] { train.classNames }
    public var sampleShape: Shape { train.sampleShape }
    public var classCount: Int { max(train.classCount, test.classCount) }

    /// The names `load` knows: the built-in data sets and `csv:PATH`.
    public static let builtInNames = ["fashion-mnist", "mnist", "cifar10", "cifar100"]

    /// Whether `name` is a data set `load` knows (`csv:` needs a path after it).
    public static func isValidName(_ name: String) -> Bool {
        builtInNames.contains(name) || (name.hasPrefix("csv:") && name.count > 4)
    }

    /// This data set with `normalization` in place of its own (nil: none).
    public func normalized(_ normalization: Normalize?) -> DataSource {
        DataSource(name: name, train: train, test: test, normalization: normalization)
    }

    /// The per-channel mean and standard deviation of a built-in data set's training images (pixels in [0, 1]),
    /// which its inputs are normalized with by default; nil for CSV data.
    public static func standardNormalization(for name: String) -> Normalize? {
        switch name {
        case "fashion-mnist": return Normalize(mean: [0.2860], standardDeviation: [0.3530])
        case "mnist": return Normalize(mean: [0.1307], standardDeviation: [0.3081])
        case "cifar10": return Normalize(mean: [0.4914, 0.4822, 0.4465], standardDeviation: [0.2470, 0.2435, 0.2616])
        case "cifar100": return Normalize(mean: [0.5071, 0.4865, 0.4409], standardDeviation: [0.2673, 0.2564, 0.2762])
        default: return nil
        }
    }

    /// Where each data set is looked for when no directory is given.
    public static func defaultDirectory(for name: String) -> URL? {
        switch name {
        case "fashion-mnist": return URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")
        case "mnist": return URL(fileURLWithPath: "/usr/share/datasets/mnist")
        case "cifar10": return URL(fileURLWithPath: "data/cifar-10-batches-bin")
        case "cifar100": return URL(fileURLWithPath: "data/cifar-100-binary")
        default: return nil
        }
    }

    /// Loads `spec` from `directory` (or the default one). CSV files are split into 80% train and 20% test (seeded).
    public static func load(_ spec: String, directory: URL? = nil, seed: UInt64 = 0) throws -> DataSource {
        let source = try loadParts(spec, directory: directory, seed: seed)
        guard source.test.sampleShape == source.train.sampleShape else {
            throw FoveaError.invalidArgument("\(spec): the test samples are \(source.test.sampleShape) but the training samples are "
                                             + "\(source.train.sampleShape); both parts must have one shape")
        }
        return source
    }

    private static func loadParts(_ spec: String, directory: URL?, seed: UInt64) throws -> DataSource {
        let dir = directory ?? defaultDirectory(for: spec)
        var isDirectory: ObjCBool = false
        if let dir, !(FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDirectory) && isDirectory.boolValue) {
            throw FoveaError.badFile(path: dir.path, reason: "no such directory: the \(spec) files are looked for there")
        }
        switch spec {
        case "fashion-mnist", "mnist":
            let kind: IDXDataset.Kind = spec == "mnist" ? .mnist : .fashionMNIST
            return DataSource(name: spec, train: try IDXDataset.load(directory: dir!, split: .train, kind: kind),
                              test: try IDXDataset.load(directory: dir!, split: .test, kind: kind),
                              normalization: standardNormalization(for: spec))
        case "cifar10":
            return DataSource(name: spec, train: try CIFAR.load10(directory: dir!, split: .train), test: try CIFAR.load10(directory: dir!, split: .test),
                              normalization: standardNormalization(for: spec))
        case "cifar100":
            return DataSource(name: spec, train: try CIFAR.load100(directory: dir!, split: .train, target: .fine),
                              test: try CIFAR.load100(directory: dir!, split: .test, target: .fine),
                              normalization: standardNormalization(for: spec))
        default:
            guard isValidName(spec) else {
                throw FoveaError.invalidArgument("unknown data set '\(spec)': use mnist, fashion-mnist, cifar10, cifar100 or csv:PATH")
            }
            let parts = try CSVDataset.load(URL(fileURLWithPath: String(spec.dropFirst(4))), validationFraction: 0.2, seed: seed)
            return DataSource(name: spec, train: parts.train, test: parts.validation, normalization: nil)
        }
    }
}
