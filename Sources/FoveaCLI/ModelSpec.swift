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

    func build() throws -> Sequential {
        try Models.make(name, inputShape: inputShape, classes: classes, hidden: hidden, classic: classic, dropout: dropout)
    }

    var metadata: [String: String] {
        var values = ["model": name, "input_shape": inputShape.dims.map(String.init).joined(separator: ","),
                      "classes": String(classes), "hidden": hidden.map(String.init).joined(separator: ","),
                      "classic": String(classic), "data": data, "class_names": classNames.joined(separator: "|")]
        if let dropout { values["dropout"] = String(dropout) }
        if let normalization {
            values["normalize_mean"] = normalization.mean.map { String($0) }.joined(separator: ",")
            values["normalize_std"] = normalization.standardDeviation.map { String($0) }.joined(separator: ",")
        }
        return values
    }

    static func parseHidden(_ text: String) throws -> [Int] {
        let sizes = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw FoveaError.invalidArgument("--hidden '\(text)': expected positive sizes separated by commas, e.g. 256,128")
        }
        return sizes.map { $0! }
    }

    /// Reads the spec back from a checkpoint's metadata.
    init(metadata: [String: String], file: String) throws {
        func field(_ key: String) throws -> String {
            guard let value = metadata[key] else { throw FoveaError.badFile(path: file, reason: "not a Fovea checkpoint: metadata has no '\(key)'") }
            return value
        }
        name = try field("model")
        let dims = try field("input_shape").split(separator: ",").compactMap { Int($0) }
        guard !dims.isEmpty, let classes = Int(try field("classes")) else { throw FoveaError.badFile(path: file, reason: "malformed input_shape or classes metadata") }
        inputShape = Shape(dims)
        self.classes = classes
        hidden = (metadata["hidden"] ?? "256").split(separator: ",").compactMap { Int($0) }
        classic = metadata["classic"] == "true"
        dropout = metadata["dropout"].flatMap(Float.init)
        data = metadata["data"] ?? ""
        classNames = (metadata["class_names"] ?? "").split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        if classNames.count != classes { classNames = (0..<classes).map(String.init) }
        let mean = (metadata["normalize_mean"] ?? "").split(separator: ",").compactMap { Float($0) }
        let std = (metadata["normalize_std"] ?? "").split(separator: ",").compactMap { Float($0) }
        normalization = mean.isEmpty || mean.count != std.count ? nil : Normalize(mean: mean, standardDeviation: std)
    }

    init(name: String, inputShape: Shape, classes: Int, hidden: [Int], classic: Bool, dropout: Float?, data: String,
         classNames: [String], normalization: Normalize?) {
        self.name = name; self.inputShape = inputShape; self.classes = classes; self.hidden = hidden
        self.classic = classic; self.dropout = dropout; self.data = data; self.classNames = classNames
        self.normalization = normalization
    }
}
