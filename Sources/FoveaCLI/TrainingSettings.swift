import Foundation
import Fovea

/// Every option of a training run, resolved: the defaults, then (when resuming) the run's `config.json`, then the
/// options given on the command line. Each value is checked when it is set, so nothing out of its domain reaches
/// the trainer, whether it came from the command line or from a hand-edited `config.json`.
struct TrainingSettings {
    var model = "lenet5"
    var data = "fashion-mnist"
    var dataDir: String?
    /// `H,W` or `H` for folder data.
    var imageSize: String?
    var channels: Int?
    var testSplit = 0.2
    /// For series data: the past values each window holds and how many steps ahead it predicts.
    var window = 24
    var horizon = 1
    /// For series data: `relative` windows (each value minus the window's last) or `absolute` ones (levels).
    var seriesInputs = "relative"
    var epochs: Int?
    var batchSize = 32
    var optimizer = "adam"
    var lr: Float?
    var lrSchedule = "cosine"
    var warmupEpochs = 0
    var momentum: Float = 0.9
    var weightDecay: Float = 0
    var l1: Float = 0
    var l2: Float = 0
    var dropout: Float?
    var hidden = "256"
    var classic = false
    var augment = false
    var valSplit = 0.1
    var earlyStopping: Int?
    var seed: UInt64 = 0
    var maxSteps: Int?
    /// `MEAN,STD...`, `none`, or nil for the data set's own normalization.
    var normalize: String?
    /// The checkpoint the weights start from, the parameter name prefixes frozen (comma-separated), the epochs they stay
    /// frozen and their learning rate once unfrozen.
    var initFrom: String?
    var freeze: String?
    var unfreezeAfter: Int?
    var lrBackbone: Float?
    /// Where TensorBoard event files go (`runTensorBoard`: the run folder's `tb/`), or nil for none.
    var tensorboard: String?
    /// The device the run was trained on (from `config.json`); `--device` may change it.
    var device: String?

    /// How a `folder:DIR` data set's images are read.
    var imageOptions: DataSource.ImageOptions {
        DataSource.ImageOptions(
            imageSize: imageSize.flatMap { try? Self.parseImageSize($0) }, channels: channels, testFraction: testSplit)
    }

    /// How a `series:PATH:COLUMN` data set is cut: the validation and test parts are `valSplit` and `testSplit` of it.
    var seriesOptions: DataSource.SeriesOptions {
        DataSource.SeriesOptions(
            window: window, horizon: horizon, validationFraction: valSplit, testFraction: testSplit,
            relative: seriesInputs == "relative")
    }

    /// `H,W` or `H` (square) as a height and width.
    static func parseImageSize(_ text: String) throws -> (height: Int, width: Int) {
        let sizes = text.split(separator: ",", omittingEmptySubsequences: false).map {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        guard (1...2).contains(sizes.count), let height = sizes[0], let width = sizes.last!, height > 0, width > 0,
            height <= ImageFile.largestImage / width
        else {
            throw FoveaError.invalidArgument(
                "--image-size '\(text)': expected H,W or H (positive sizes of at most \(ImageFile.largestImage) pixels)")
        }
        return (height, width)
    }

    static let optimizers = ["sgd", "adam", "adamw", "rmsprop", "adagrad"]
    static let schedules = ["cosine", "step", "plateau", "none"]
    static let seriesInputs = ["relative", "absolute"]
    /// `--tensorboard` without a folder: `tb/` in the run folder, wherever that is when the run resumes.
    static let runTensorBoard = "<run>/tb"
    /// Options a resumed run may change: how long it trains, where, and whether TensorBoard watches. Every other one must agree with `config.json`.
    static let changeableOnResume: Set = ["epochs", "max_steps", "device", "tensorboard"]

    /// The learning rate, by default 0.01 for SGD and Adagrad and 0.001 for the others.
    var learningRate: Float { lr ?? (["sgd", "adagrad"].contains(optimizer) ? 0.01 : 0.001) }

    /// The settings of a new run (`config` nil) or of the run whose `config.json` is `config`, with `given` applied.
    init(given: [String: String], resuming config: URL? = nil) throws {
        if let config {
            let saved = try Self.readConfiguration(config)
            seriesInputs = "absolute"  // a run begun before series_inputs existed read levels
            for field in Self.fields {
                guard let text = saved[field.key] else { continue }
                guard field.set(&self, text) else {
                    throw FoveaError.badFile(path: config.path, reason: "\(field.key) '\(text)': \(field.domain)")
                }
            }
            device = saved["device"]
        }
        for field in Self.fields {
            guard let text = given[field.key] else { continue }
            var trial = self
            guard field.set(&trial, text) else { throw FoveaError.invalidArgument("--\(field.option) \(text): \(field.domain)") }
            if let config, !Self.changeableOnResume.contains(field.key), field.get(trial) != field.get(self) {
                throw FoveaError.invalidArgument(
                    "--\(field.option) \(text): the run in \(config.deletingLastPathComponent().path) was trained with "
                        + "--\(field.option) \(field.get(self) ?? "unset"); a resumed run keeps its options (leave it out, "
                        + "or start a new run with another --out)")
            }
            self = trial
        }
    }

    /// The settings as `config.json` holds them (with the model's metadata and the device added by the run).
    var configuration: [String: String] {
        var values: [String: String] = [:]
        for field in Self.fields { values[field.key] = field.get(self) }
        values["lr"] = String(learningRate)
        return values
    }

    private static func readConfiguration(_ url: URL) throws -> [String: String] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FoveaError.file(url.path, error, doing: "cannot read the run's configuration")
        }
        guard let values = try? JSONDecoder().decode([String: String].self, from: data) else {
            throw FoveaError.badFile(
                path: url.path, reason: "is not a JSON object of strings (the configuration `fovea train` writes)")
        }
        return values
    }

    /// One option: its `config.json` key, how to read and set it, and what values it takes.
    private struct Field {
        let key: String
        let get: (TrainingSettings) -> String?
        /// Sets the value from text; false when the text is not a valid value.
        let set: (inout TrainingSettings, String) -> Bool
        let domain: String
        var option: String { key.replacingOccurrences(of: "_", with: "-") }

        init<T: LosslessStringConvertible>(
            _ key: String, _ path: WritableKeyPath<TrainingSettings, T>, _ domain: String,
            valid: @escaping (T) -> Bool = { _ in true }
        ) {
            self.key = key
            self.domain = domain
            get = { $0[keyPath: path].description }
            set = { settings, text in
                guard let value = T(text.trimmingCharacters(in: .whitespaces)), valid(value) else { return false }
                settings[keyPath: path] = value
                return true
            }
        }

        init<T: LosslessStringConvertible>(
            _ key: String, _ path: WritableKeyPath<TrainingSettings, T?>, _ domain: String,
            valid: @escaping (T) -> Bool = { _ in true }
        ) {
            self.key = key
            self.domain = domain
            get = { $0[keyPath: path]?.description }
            set = { settings, text in
                guard let value = T(text.trimmingCharacters(in: .whitespaces)), valid(value) else { return false }
                settings[keyPath: path] = value
                return true
            }
        }
    }

    private static let fields: [Field] = [
        Field("model", \.model, "choose one of \(Models.names.joined(separator: ", "))") { Models.names.contains($0) },
        Field(
            "data", \.data,
            "use fashion-mnist, mnist, cifar10, cifar100, csv:PATH, folder:DIR, series:PATH:COLUMN, text:PATH or chars:PATH"
        ) { DataSource.isValidName($0) },
        Field("data_dir", \.dataDir, "must name a directory") { !$0.isEmpty },
        Field("image_size", \.imageSize, "expected H,W or H: positive sizes of at most \(ImageFile.largestImage) pixels") {
            (try? Self.parseImageSize($0)) != nil
        },
        Field("channels", \.channels, "use 1 or 3") { $0 == 1 || $0 == 3 },
        Field("test_split", \.testSplit, "must be in (0, 1)") { $0 > 0 && $0 < 1 },
        Field("window", \.window, "must be a positive number of values") { $0 > 0 && $0 <= ModelSpec.largestLayer },
        Field("horizon", \.horizon, "must be a positive number of steps") { $0 > 0 && $0 <= ModelSpec.largestLayer },
        Field("series_inputs", \.seriesInputs, "use \(seriesInputs.joined(separator: " or "))") { seriesInputs.contains($0) },
        Field("epochs", \.epochs, "must be a positive number of epochs") { $0 > 0 },
        Field("batch_size", \.batchSize, "must be positive") { $0 > 0 },
        Field("optimizer", \.optimizer, "use \(optimizers.joined(separator: ", "))") { optimizers.contains($0) },
        Field("lr", \.lr, "the learning rate must be a finite number above 0") { $0.isFinite && $0 > 0 },
        Field("lr_schedule", \.lrSchedule, "use \(schedules.joined(separator: ", "))") { schedules.contains($0) },
        Field("warmup_epochs", \.warmupEpochs, "must be at least 0") { $0 >= 0 },
        Field("momentum", \.momentum, "must be in [0, 1)") { $0 >= 0 && $0 < 1 },
        Field("weight_decay", \.weightDecay, "must be a finite number >= 0") { $0.isFinite && $0 >= 0 },
        Field("l1", \.l1, "must be a finite number >= 0") { $0.isFinite && $0 >= 0 },
        Field("l2", \.l2, "must be a finite number >= 0") { $0.isFinite && $0 >= 0 },
        Field("dropout", \.dropout, "must be in [0, 1)") { $0 >= 0 && $0 < 1 },
        Field("hidden", \.hidden, "expected positive sizes separated by commas, e.g. 256,128") {
            (try? ModelSpec.parseHidden($0)) != nil
        },
        Field("classic", \.classic, "must be true or false"),
        Field("augment", \.augment, "must be true or false"),
        Field("val_split", \.valSplit, "must be in [0, 1)") { $0 >= 0 && $0 < 1 },
        Field("early_stopping", \.earlyStopping, "must be a positive number of epochs") { $0 > 0 },
        Field("seed", \.seed, "must be a whole number >= 0"),
        Field("max_steps", \.maxSteps, "must be positive") { $0 > 0 },
        Field("init_from", \.initFrom, "must name a checkpoint file") { !$0.isEmpty },
        Field("freeze", \.freeze, "expected parameter name prefixes separated by commas, e.g. 0.,3.") {
            !$0.split(separator: ",").isEmpty
                && $0.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty }
        },
        Field("unfreeze_after", \.unfreezeAfter, "must be a positive number of epochs") { $0 > 0 },
        Field("lr_backbone", \.lrBackbone, "the learning rate must be a finite number above 0") { $0.isFinite && $0 > 0 },
        Field(
            "normalize", \.normalize,
            "expected none, imagenet, MEAN,STD or M1,...,MC,S1,...,SC with finite means and positive deviations"
        ) {
            $0 == "none" || (try? ModelSpec.parseNormalization($0)) != nil
        },
        Field("tensorboard", \.tensorboard, "must name a folder") { !$0.trimmingCharacters(in: .whitespaces).isEmpty },
    ]
}
