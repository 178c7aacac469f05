import ArgumentParser
import Foundation
import Fovea

/// The options `evaluate` and `predict` share: the checkpoint, what to rebuild for a plain state dict, the input
/// normalization and the device.
struct CheckpointOptions: ParsableArguments {
    @Option(
        help:
            "A .safetensors checkpoint written by `fovea train`, or a plain state dict of a zoo model (e.g. from PyTorch; then give --model)."
    )
    var checkpoint: String
    @Option(help: "For a plain state dict: the zoo model it holds (\(Models.names.joined(separator: ", "))).") var model: String?
    @Option(help: "For a plain mlp state dict: its hidden layer sizes (default: read from the file).") var hidden: String?
    @Flag(help: "For a plain lenet5 state dict: the classic variant (sigmoid, average pooling).") var classic = false
    @Option(
        help:
            "Input normalization MEAN,STD, M1,...,MC,S1,...,SC or imagenet (default: the checkpoint's, or the data set's for a plain state dict)."
    )
    var normalize: String?
    @Flag(help: "Feed pixels scaled to [0, 1] without normalizing them.") var noNormalize = false
    @Option(help: "Device: auto, cpu, gpu, opencl or opencl:N.") var device: String?

    /// The chosen device.
    func resolvedDevice() throws -> Device { try device.map(Device.parse) ?? Device.default }

    /// The normalization `--normalize`/`--no-normalize` ask for: nil when neither is given, `.some(nil)` for none.
    func normalizationOverride() throws -> Normalize?? {
        if noNormalize {
            guard normalize == nil else { throw FoveaError.invalidArgument("--normalize and --no-normalize: give one of them") }
            return .some(nil)
        }
        return try normalize.map { try ModelSpec.parseNormalization($0) }
    }
}

/// A model rebuilt from a checkpoint with its weights loaded, and what it was trained on.
enum LoadedModel {
    /// Loads `options.checkpoint`. A Fovea checkpoint describes its model in its metadata; a plain state dict needs
    /// `--model`, and takes the input shape, class names and normalization from `data` (the data set evaluated) or
    /// `inputShape` (the image predicted), and the class count from its classifier's weight. `contents` is the file's
    /// tensors and metadata when the caller has read them already (the file is read once).
    static func load(
        _ options: CheckpointOptions, contents: (tensors: [String: Tensor], metadata: [String: String])? = nil,
        data: DataSource? = nil, inputShape: Shape? = nil
    ) throws -> (any UnaryLayer, ModelSpec) {
        let (tensors, metadata) = try contents ?? Safetensors.read(from: URL(fileURLWithPath: options.checkpoint))
        let elements = tensors.values.reduce(0) { $0 + $1.count }
        var spec: ModelSpec
        if metadata["model"] == nil, let name = options.model {
            spec = try plainSpec(name, tensors: tensors, options: options, data: data, inputShape: inputShape)
        } else {
            if let name = options.model, name != metadata["model"] {
                throw FoveaError.invalidArgument("--model \(name): \(options.checkpoint) holds a \(metadata["model"]!) model")
            }
            spec = try ModelSpec(metadata: metadata, file: options.checkpoint, tensorElements: elements)
        }
        if let override = try options.normalizationOverride() { spec.normalization = override }
        try spec.normalization?.validate(sampleShape: spec.inputShape)
        let model = try spec.build()
        try Checkpoint.loadModel(model, tensors: tensors, file: options.checkpoint)
        try model.to(try options.resolvedDevice())
        model.eval()
        return (model, spec)
    }

    private static func plainSpec(
        _ name: String, tensors: [String: Tensor], options: CheckpointOptions, data: DataSource?,
        inputShape: Shape?
    ) throws -> ModelSpec {
        guard Models.names.contains(name) else {
            throw FoveaError.invalidArgument("--model \(name): choose one of \(Models.names.joined(separator: ", "))")
        }
        guard let shape = data?.sampleShape ?? inputShape else {
            throw FoveaError.invalidArgument("\(options.checkpoint): a plain state dict needs --data to know its input shape")
        }
        // The classifier is the last layer with a 2-D weight: its rows are the classes.
        let layers = tensors.filter { $0.key.hasSuffix(".weight") && $0.value.rank == 2 }
        guard let classifier = layers.max(by: { Self.layerOrder($0.key).lexicographicallyPrecedes(Self.layerOrder($1.key)) })
        else {
            throw FoveaError.badFile(
                path: options.checkpoint, reason: "has no 2-D weight, so no classifier to count the classes of")
        }
        let classes = classifier.value.shape[0]
        let hidden =
            try options.hidden.map(ModelSpec.parseHidden)
            ?? layers.filter { $0.key != classifier.key }
            .sorted { Self.layerOrder($0.key).lexicographicallyPrecedes(Self.layerOrder($1.key)) }.map { $0.value.shape[0] }
        let names = data.map { $0.classNames.count == classes ? $0.classNames : [] } ?? []
        return ModelSpec(
            name: name, inputShape: shape, classes: classes, hidden: hidden.isEmpty ? [256] : hidden, classic: options.classic,
            dropout: nil, data: data?.name ?? "", classNames: names.isEmpty ? (0..<classes).map(String.init) : names,
            normalization: data?.normalization)
    }

    /// Sorts state-dict names by their numeric path (`9.weight` before `11.weight`).
    private static func layerOrder(_ name: String) -> [Int] {
        name.split(separator: ".").compactMap { Int($0) }
    }
}
