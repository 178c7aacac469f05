import Foundation
import Fovea

/// What is needed to rebuild a zoo model; saved in every checkpoint's metadata so `evaluate` and `predict` need only the file.
struct ModelSpec {
    var name: String
    var inputShape: Shape
    var classes: Int
    var hidden: [Int]
    var classic: Bool
    var dropout: Float?
    var data: String
    var classNames: [String]
    /// Per-channel mean and standard deviation the inputs were normalized with.
    var normalization: Normalize?
    /// The word ids a text model embeds (0 for other models).
    var vocabulary = 0
    /// How `predict` encodes raw text or a series for a sequence model; nil for other models (and older checkpoints).
    var encoding: SequenceEncoding?

    func build() throws -> any UnaryLayer {
        try Self.checkSize(model: name, inputShape: inputShape, classes: classes, hidden: hidden)
        return try Models.make(
            name, inputShape: inputShape, classes: classes, hidden: hidden, classic: classic, dropout: dropout,
            vocabulary: vocabulary)
    }

    var metadata: [String: String] {
        var values = [
            "model": name, "input_shape": inputShape.dims.map(String.init).joined(separator: ","),
            "classes": String(classes), "hidden": hidden.map(String.init).joined(separator: ","),
            "classic": String(classic), "data": data, "class_names": classNames.joined(separator: "|"),
        ]
        if let dropout { values["dropout"] = String(dropout) }
        if vocabulary > 0 { values["vocabulary"] = String(vocabulary) }
        if let encoding { values.merge(encoding.metadata) { _, new in new } }
        if let normalization {
            values["normalize_mean"] = normalization.mean.map { String($0) }.joined(separator: ",")
            values["normalize_std"] = normalization.standardDeviation.map { String($0) }.joined(separator: ",")
        }
        return values
    }

    /// The normalization as a user reads it: `(x - 0.286) / 0.353`, or one such pair per channel.
    static func describe(_ normalization: Normalize?) -> String {
        guard let normalization else { return "none (inputs as they are)" }
        let pairs = zip(normalization.mean, normalization.standardDeviation).map { String(format: "(x - %.4g) / %.4g", $0, $1) }
        return pairs.count == 1 ? pairs[0] + " on every channel" : pairs.joined(separator: ", ") + " per channel"
    }

    static func parseHidden(_ text: String) throws -> [Int] {
        let sizes = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) > 0 && ($0 ?? 0) <= Self.largestLayer }) else {
            throw FoveaError.invalidArgument("--hidden '\(text)': expected positive sizes separated by commas, e.g. 256,128")
        }
        return sizes.map { $0! }
    }

    /// `MEAN,STD` (every channel) or `M1,...,MC,S1,...,SC`: finite means, finite positive standard deviations; or
    /// `imagenet`, ImageNet's RGB statistics (0.485, 0.456, 0.406 and 0.229, 0.224, 0.225), which torchvision's
    /// pretrained models expect.
    static func parseNormalization(_ text: String) throws -> Normalize {
        if text == "imagenet" { return Normalize(mean: [0.485, 0.456, 0.406], standardDeviation: [0.229, 0.224, 0.225]) }
        let values = text.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count >= 2, values.count % 2 == 0, values.allSatisfy({ $0?.isFinite == true }) else {
            throw FoveaError.invalidArgument("--normalize '\(text)': expected MEAN,STD or M1,...,MC,S1,...,SC (finite numbers)")
        }
        let numbers = values.map { $0! }
        let half = numbers.count / 2
        guard numbers[half...].allSatisfy({ $0 > 0 }) else {
            throw FoveaError.invalidArgument("--normalize '\(text)': standard deviations must be positive")
        }
        return Normalize(mean: Array(numbers[..<half]), standardDeviation: Array(numbers[half...]))
    }

    /// The most units, channels or classes a zoo model's layer takes from metadata or options.
    static let largestLayer = 1 << 20
    /// The most elements one input sample may have (a 4096 x 4096 RGB image).
    static let largestSample = 3 << 24

    /// Reads the spec back from a checkpoint's metadata, checking every value before it sizes anything: the sizes
    /// must be in range, and the weights they imply must fit in the `tensorElements` elements the file holds.
    init(metadata: [String: String], file: String, tensorElements: Int) throws {
        func bad(_ reason: String) -> FoveaError { .badFile(path: file, reason: reason) }
        func field(_ key: String) throws -> String {
            guard let value = metadata[key] else {
                throw bad("not a Fovea checkpoint: metadata has no '\(key)' (for a plain state dict, give --model)")
            }
            return value
        }
        name = try field("model")
        guard Models.names.contains(name) else {
            throw bad("metadata model '\(name)' is none of \(Models.names.joined(separator: ", "))")
        }
        let dims = try field("input_shape").split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
        guard !dims.isEmpty, dims.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw bad("metadata input_shape '\(metadata["input_shape"]!)' is not a list of positive sizes")
        }
        inputShape = Shape(dims.map { $0! })
        guard inputShape.dims.allSatisfy({ $0 <= Self.largestSample }),
            inputShape.dims.reduce(1, { Self.saturatingProduct($0, $1) }) <= Self.largestSample,
            inputShape.dims.count <= 3
        else {
            throw bad(
                "metadata input_shape \(inputShape) is larger than any input Fovea takes (\(Self.largestSample) elements, rank 3)"
            )
        }
        guard let classes = Int(try field("classes")), classes >= 1, classes <= min(Self.largestLayer, tensorElements) else {
            throw bad(
                "metadata classes '\(metadata["classes"]!)' must be a number of classes from 1 to \(min(Self.largestLayer, tensorElements))"
            )
        }
        self.classes = classes
        let hiddenText = metadata["hidden"] ?? "256"
        guard let hidden = try? Self.parseHidden(hiddenText) else {
            throw bad("metadata hidden '\(hiddenText)' is not a list of positive sizes")
        }
        self.hidden = hidden
        classic = metadata["classic"] == "true"
        if let text = metadata["dropout"] {
            guard let dropout = Float(text), dropout >= 0, dropout < 1 else {
                throw bad("metadata dropout '\(text)' is not in [0, 1)")
            }
            self.dropout = dropout
        }
        if let text = metadata["vocabulary"] {
            guard let vocabulary = Int(text), vocabulary > 2, vocabulary <= min(Self.largestLayer, tensorElements) else {
                throw bad(
                    "metadata vocabulary '\(text)' must be a number of words from 3 to \(min(Self.largestLayer, tensorElements))")
            }
            self.vocabulary = vocabulary
        }
        encoding = try SequenceEncoding.read(
            metadata: metadata, file: file, model: name, vocabularySize: vocabulary, classes: classes)
        data = metadata["data"] ?? ""
        classNames = (metadata["class_names"] ?? "").split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        if classNames.count != classes { classNames = (0..<classes).map(String.init) }
        switch (metadata["normalize_mean"], metadata["normalize_std"]) {
        case (nil, nil): normalization = nil
        case let (mean?, std?):
            let means = mean.split(separator: ",").map(String.init), stds = std.split(separator: ",").map(String.init)
            guard means.count == stds.count, let parsed = try? Self.parseNormalization((means + stds).joined(separator: ",")),
                parsed.mean.count == 1 || parsed.mean.count == inputShape[0]
            else {
                throw bad(
                    "metadata normalize_mean '\(mean)' / normalize_std '\(std)' are not finite means and positive deviations, one pair per channel"
                )
            }
            normalization = parsed
        default: throw bad("metadata has only one of normalize_mean and normalize_std")
        }
        let weights = Self.estimatedParameters(model: name, inputShape: inputShape, classes: classes, hidden: hidden)
        guard weights <= tensorElements else {
            throw bad(
                "metadata (model \(name), input_shape \(inputShape), classes \(classes), hidden \(hiddenText)) describes a model of "
                    + "about \(weights) parameters, but the file holds \(tensorElements)")
        }
    }

    /// The most parameters a model built from options may have (8 GiB of Float32).
    static let largestModel = 1 << 31

    /// Throws when the input shape is larger than Fovea takes or the model would have more than `limit` parameters,
    /// before anything is allocated.
    static func checkSize(model name: String, inputShape: Shape, classes: Int, hidden: [Int], limit: Int = largestModel) throws {
        guard inputShape.dims.allSatisfy({ $0 > 0 && $0 <= largestSample }), inputShape.rank <= 3,
            inputShape.dims.reduce(1, { saturatingProduct($0, $1) }) <= largestSample
        else {
            throw FoveaError.invalidArgument(
                "input shape \(inputShape) is larger than any input Fovea takes (\(largestSample) elements, rank 3)")
        }
        guard classes >= 1, classes <= largestLayer else {
            throw FoveaError.invalidArgument("\(classes) classes: must be from 1 to \(largestLayer)")
        }
        let parameters = estimatedParameters(model: name, inputShape: inputShape, classes: classes, hidden: hidden)
        guard parameters <= limit else {
            throw FoveaError.invalidArgument(
                "a \(name) for input \(inputShape), \(classes) classes\(name == "mlp" ? " and hidden \(hidden)" : "") "
                    + "has at least \(parameters) parameters, more than \(limit)")
        }
    }

    /// A lower bound of a zoo model's parameter count, from its largest layers, computed without building it.
    private static func estimatedParameters(model name: String, inputShape: Shape, classes: Int, hidden: [Int]) -> Int {
        let channels = inputShape.rank == 3 ? inputShape[0] : 1
        let sum = { (terms: [Int]) in terms.reduce(0) { $0.addingReportingOverflow($1).overflow ? .max : $0 + $1 } }
        switch name {
        case "mlp":
            let widths = [inputShape.count] + hidden + [classes]
            return sum(zip(widths, widths.dropFirst()).map { saturatingProduct($0, $1) })
        case "lenet5":
            let height = inputShape.rank == 3 ? max(0, (inputShape[1] / 2 - 4) / 2) : 0,
                width = inputShape.rank == 3 ? max(0, (inputShape[2] / 2 - 4) / 2) : 0
            return sum([channels * 6 * 25, saturatingProduct(16 * 120, saturatingProduct(height, width)), 84 * classes])
        case "cnn-cifar": return sum([channels * 9, 128 * classes])
        case "lstm", "gru", "rnn", "lstm-text", "gru-text", "char-lstm":
            // One gate's input and recurrent weights (an RNN has one gate), the head, and a char-lstm's embedding.
            let units = hidden.first ?? 0
            let inputs = Models.textClassifiers.contains(name) || name == "char-lstm" ? 64 : inputShape.dims.last ?? 1
            return sum([
                saturatingProduct(units, inputs + units), saturatingProduct(units, classes),
                name == "char-lstm" ? saturatingProduct(classes, 64) : 0,
            ])
        default: return sum([channels * 16 * 9, 64 * classes])
        }
    }

    private static func saturatingProduct(_ a: Int, _ b: Int) -> Int {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? .max : product
    }

    init(
        name: String, inputShape: Shape, classes: Int, hidden: [Int], classic: Bool, dropout: Float?, data: String,
        classNames: [String], normalization: Normalize?, vocabulary: Int = 0, encoding: SequenceEncoding? = nil
    ) {
        self.name = name; self.inputShape = inputShape; self.classes = classes; self.hidden = hidden
        self.classic = classic; self.dropout = dropout; self.data = data; self.classNames = classNames
        self.normalization = normalization; self.vocabulary = vocabulary; self.encoding = encoding
    }
}
