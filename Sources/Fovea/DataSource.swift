import Foundation

/// A named data set with its train and test parts and the normalization its images need.
public struct DataSource {
    /// The name as given to `--data` (`fashion-mnist`, `mnist`, `cifar10`, `cifar100`, `csv:PATH`, `folder:DIR`,
    /// `series:PATH:COLUMN`, `text:PATH`, `chars:PATH`).
    public let name: String
    public let train: any Dataset
    /// The validation part when the data set fixes it (a series' stretch after the training part); nil when the
    /// trainer may hold out a random part of `train`.
    public var validation: (any Dataset)? = nil
    /// The words of a `text:PATH` data set, whose samples are word ids; nil for other data.
    public var vocabulary: Vocabulary? = nil
    /// The characters of a `chars:PATH` text, whose samples are character ids; nil for other data.
    public var characters: CharacterVocabulary? = nil
    public let test: any Dataset
    /// Per-channel normalization for images (nil for tabular data, which comes standardized, and for image folders,
    /// whose pixels stay in [0, 1] unless one is chosen).
    public let normalization: Normalize?

    public var classNames: [String] { train.classNames }
    public var sampleShape: Shape { train.sampleShape }
    public var classCount: Int { max(train.classCount, test.classCount) }
    /// Whether the targets are values to predict (a series) rather than classes.
    public var isRegression: Bool { train.count > 0 && train.regressionTarget(at: 0) != nil }

    /// The built-in data sets `load` knows, besides `csv:PATH` and `folder:DIR`.
    public static let builtInNames = ["fashion-mnist", "mnist", "cifar10", "cifar100"]

    /// Whether `name` is a data set `load` knows (`csv:` and `folder:` need a path after them, `series:` a path and a column).
    public static func isValidName(_ name: String) -> Bool {
        builtInNames.contains(name) || (name.hasPrefix("csv:") && name.count > 4) || (name.hasPrefix("folder:") && name.count > 7)
            || seriesFile(name) != nil || (name.hasPrefix("text:") && name.count > 5)
            || (name.hasPrefix("chars:") && name.count > 6)
    }

    /// The file and column of `series:PATH:COLUMN` (the column follows the last colon); nil for other names.
    static func seriesFile(_ name: String) -> (path: String, column: String)? {
        guard name.hasPrefix("series:"), let colon = name.lastIndex(of: ":"), colon > name.index(name.startIndex, offsetBy: 7)
        else { return nil }
        let column = String(name[name.index(after: colon)...])
        return column.isEmpty ? nil : (String(name[name.index(name.startIndex, offsetBy: 7)..<colon]), column)
    }

    /// How a `series:PATH:COLUMN` data set is cut: windows of `window` values predicting the value `horizon` steps
    /// ahead, the last `testFraction` of the series for testing and the `validationFraction` before it for validation.
    public struct SeriesOptions {
        public var window: Int, horizon: Int
        public var validationFraction: Double, testFraction: Double
        /// The mean and standard deviation the values are standardized with; nil: the training part's.
        public var standardization: (mean: Float, standardDeviation: Float)?
        /// Whether each window's inputs and target are measured from its last value (`SeriesWindows.relative`).
        public var relative: Bool

        /// Options for `series:` data sets; see the properties.
        public init(
            window: Int = 24, horizon: Int = 1, validationFraction: Double = 0.1, testFraction: Double = 0.2,
            standardization: (mean: Float, standardDeviation: Float)? = nil, relative: Bool = false
        ) {
            self.window = window; self.horizon = horizon
            self.validationFraction = validationFraction; self.testFraction = testFraction
            self.standardization = standardization
            self.relative = relative
        }
    }

    /// A trained model's vocabulary, which encodes a `text:PATH` or `chars:PATH` data set in place of one made from
    /// the file (to test the model on data encoded as in its training).
    public enum TrainedVocabulary {
        case words(Vocabulary)
        case characters(CharacterVocabulary)

        var words: Vocabulary? { if case .words(let words) = self { words } else { nil } }
        var characters: CharacterVocabulary? { if case .characters(let characters) = self { characters } else { nil } }
    }

    /// How a `folder:DIR` data set's images are read: resized to `imageSize` (height, width) and converted to
    /// `channels` (by default those of the first image), and the fraction held out for testing when DIR has no
    /// `train/` and `test/` folders.
    public struct ImageOptions {
        /// Height and width the images are resized to; nil for the first image's.
        public var imageSize: (height: Int, width: Int)?
        /// 1 or 3 channels; nil for the first image's.
        public var channels: Int?
        /// The fraction of the images held out for testing when DIR has no train/ and test/ folders.
        public var testFraction: Double

        /// Options for `folder:DIR` data sets; see the properties.
        public init(imageSize: (height: Int, width: Int)? = nil, channels: Int? = nil, testFraction: Double = 0.2) {
            self.imageSize = imageSize
            self.channels = channels
            self.testFraction = testFraction
        }
    }

    /// This data set with `normalization` in place of its own (nil: none).
    public func normalized(_ normalization: Normalize?) -> DataSource {
        DataSource(
            name: name, train: train, validation: validation, vocabulary: vocabulary, characters: characters, test: test,
            normalization: normalization)
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

    /// Loads `spec` from `directory` (or the default one). CSV files are split into 80% train and 20% test (seeded);
    /// `folder:DIR` reads `DIR/CLASS/*.{png,jpg,jpeg}` as `images` says (its images are decoded as batches are made);
    /// `series:PATH:COLUMN` is cut in time order as `series` says, standardized with the training part's statistics;
    /// `text:PATH` (columns `label` and `text`) holds out a seeded 20% for testing, as word ids of its training texts' words;
    /// `chars:PATH` cuts a text into windows of `series.window` characters predicting the next, its last 10% validating and testing.
    /// `vocabulary` encodes texts in place of the vocabulary made from their training part.
    public static func load(
        _ spec: String, directory: URL? = nil, seed: UInt64 = 0, images: ImageOptions = ImageOptions(),
        series: SeriesOptions = SeriesOptions(), vocabulary: TrainedVocabulary? = nil
    ) throws -> DataSource {
        let source = try loadParts(spec, directory: directory, seed: seed, images: images, series: series, vocabulary: vocabulary)
        guard source.test.sampleShape == source.train.sampleShape else {
            throw FoveaError.invalidArgument(
                "\(spec): the test samples are \(source.test.sampleShape) but the training samples are "
                    + "\(source.train.sampleShape); both parts must have one shape")
        }
        return source
    }

    private static func loadParts(
        _ spec: String, directory: URL?, seed: UInt64, images: ImageOptions, series: SeriesOptions,
        vocabulary: TrainedVocabulary?
    ) throws -> DataSource {
        if let (path, column) = seriesFile(spec) {
            guard directory == nil else {
                throw FoveaError.invalidArgument("--data-dir: the file is named by --data \(spec) itself")
            }
            let parts = try TimeSeries.read(csv: URL(fileURLWithPath: path), column: column)
                .split(
                    window: series.window, horizon: series.horizon, validationFraction: series.validationFraction,
                    testFraction: series.testFraction,
                    standardization: series.standardization, relative: series.relative)
            return DataSource(name: spec, train: parts.train, validation: parts.validation, test: parts.test, normalization: nil)
        }
        if spec.hasPrefix("text:") && spec.count > 5 {
            guard directory == nil else {
                throw FoveaError.invalidArgument("--data-dir: the file is named by --data \(spec) itself")
            }
            let parts = try TextDataset.load(
                URL(fileURLWithPath: String(spec.dropFirst(5))), seed: seed, vocabulary: vocabulary?.words)
            return DataSource(name: spec, train: parts.train, vocabulary: parts.vocabulary, test: parts.test, normalization: nil)
        }
        if spec.hasPrefix("chars:") && spec.count > 6 {
            guard directory == nil else {
                throw FoveaError.invalidArgument("--data-dir: the file is named by --data \(spec) itself")
            }
            let parts = try CharacterText.load(
                URL(fileURLWithPath: String(spec.dropFirst(6))), window: series.window,
                vocabulary: vocabulary?.characters)
            return DataSource(
                name: spec, train: parts.train, validation: parts.validation, characters: parts.vocabulary, test: parts.test,
                normalization: nil)
        }
        if spec.hasPrefix("folder:") && spec.count > 7 {
            guard directory == nil else {
                throw FoveaError.invalidArgument("--data-dir: the folder is named by --data \(spec) itself")
            }
            let folder = URL(fileURLWithPath: String(spec.dropFirst(7)))
            let parts = try ImageFolder.load(
                folder, imageSize: images.imageSize, channels: images.channels, testFraction: images.testFraction, seed: seed)
            return DataSource(name: spec, train: parts.train, test: parts.test, normalization: nil)
        }
        let dir = directory ?? defaultDirectory(for: spec)
        var isDirectory: ObjCBool = false
        if let dir, !(FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDirectory) && isDirectory.boolValue) {
            throw FoveaError.badFile(path: dir.path, reason: "no such directory: the \(spec) files are looked for there")
        }
        switch spec {
        case "fashion-mnist", "mnist":
            let kind: IDXDataset.Kind = spec == "mnist" ? .mnist : .fashionMNIST
            return DataSource(
                name: spec, train: try IDXDataset.load(directory: dir!, split: .train, kind: kind),
                test: try IDXDataset.load(directory: dir!, split: .test, kind: kind),
                normalization: standardNormalization(for: spec))
        case "cifar10":
            return DataSource(
                name: spec, train: try CIFAR.load10(directory: dir!, split: .train),
                test: try CIFAR.load10(directory: dir!, split: .test),
                normalization: standardNormalization(for: spec))
        case "cifar100":
            return DataSource(
                name: spec, train: try CIFAR.load100(directory: dir!, split: .train, target: .fine),
                test: try CIFAR.load100(directory: dir!, split: .test, target: .fine),
                normalization: standardNormalization(for: spec))
        default:
            guard isValidName(spec) else {
                throw FoveaError.invalidArgument(
                    "unknown data set '\(spec)': use mnist, fashion-mnist, cifar10, cifar100, csv:PATH, folder:DIR, series:PATH:COLUMN, text:PATH or chars:PATH"
                )
            }
            let parts = try CSVDataset.load(URL(fileURLWithPath: String(spec.dropFirst(4))), validationFraction: 0.2, seed: seed)
            return DataSource(name: spec, train: parts.train, test: parts.validation, normalization: nil)
        }
    }
}
