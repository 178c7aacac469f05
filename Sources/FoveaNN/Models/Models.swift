import FoveaCore

/// The model zoo: ready-made networks by name, for the CLI and for users.
public enum Models {
    /// Names accepted by `make(_:...)`.
    public static let names = [
        "mlp", "lenet5", "cnn-cifar", "resnet-small", "resnet18", "vgg11", "lstm", "gru", "rnn", "lstm-text", "gru-text",
        "char-lstm",
    ]

    /// The text classifiers (`TextClassifier`) among `names`: an LSTM or a GRU over word ids.
    public static let textClassifiers: Set = ["lstm-text", "gru-text"]

    /// Builds the model called `name` for samples of `inputShape` ([C, H, W]) and `classes` outputs: a `Sequential`,
    /// or for `resnet18` and `vgg11` torchvision's module structure (so their parameters carry torchvision's names).
    /// `lstm`, `gru` and `rnn` take sequences [steps, features] and are a `RecurrentModel` of one layer of
    /// `hidden[0]` units; with one feature and one output (a series forecast) it is residual: it predicts the change
    /// from the last value. `lstm-text` and `gru-text` are a `TextClassifier` (LSTM or GRU) of texts [length] over `vocabulary` word ids; `char-lstm` one of
    /// [length] character ids predicting the next of the `classes` characters (no padding id).
    public static func make(
        _ name: String, inputShape: Shape, classes: Int, hidden: [Int] = [256],
        classic: Bool = false, dropout: Float? = nil, vocabulary: Int = 0
    ) throws -> any UnaryLayer {
        switch name {
        case "mlp": return try mlp(inputFeatures: inputShape.count, hidden: hidden, classes: classes, dropout: dropout ?? 0)
        case "lenet5": return try lenet5(inputShape: inputShape, classes: classes, classic: classic, dropout: dropout ?? 0)
        case "cnn-cifar": return try cnnCifar(inputShape: inputShape, classes: classes, dropout: dropout ?? 0.25)
        case "resnet-small": return try resnetSmall(inputShape: inputShape, classes: classes)
        case "resnet18", "vgg11":
            guard inputShape.rank == 3, inputShape[1] >= 32, inputShape[2] >= 32 else {
                throw FoveaError.invalidArgument(
                    "\(name): needs [channels, height, width] images of at least 32x32, got \(inputShape)")
            }
            if name == "resnet18" { return ResNet18(inputChannels: inputShape[0], classes: classes) }
            try checkDropout(dropout ?? 0.5, model: name)
            return VGG11(inputChannels: inputShape[0], classes: classes, dropout: dropout ?? 0.5)
        case "lstm", "gru", "rnn":
            guard inputShape.rank == 2, hidden.count == 1 else {
                throw FoveaError.invalidArgument(
                    "\(name): needs sequences [steps, features] and one hidden size, got \(inputShape) and \(hidden)")
            }
            return try RecurrentModel(
                kind: name, inputFeatures: inputShape[1], hiddenSize: hidden[0], outputs: classes,
                residual: inputShape[1] == 1 && classes == 1)
        case "lstm-text", "gru-text":
            guard inputShape.rank == 1, vocabulary > 2, hidden.count == 1 else {
                throw FoveaError.invalidArgument(
                    "\(name): needs texts [length], a vocabulary and one hidden size, got \(inputShape), \(vocabulary) words and \(hidden)"
                )
            }
            return TextClassifier(
                vocabulary: vocabulary, hiddenSize: hidden[0], classes: classes, kind: name == "gru-text" ? .gru : .lstm)
        case "char-lstm":
            guard inputShape.rank == 1, classes >= 2, hidden.count == 1 else {
                throw FoveaError.invalidArgument(
                    "char-lstm: needs texts [length], two characters or more and one hidden size, got \(inputShape), \(classes) characters and \(hidden)"
                )
            }
            return TextClassifier(vocabulary: classes, hiddenSize: hidden[0], classes: classes, paddingIndex: nil)
        default:
            throw FoveaError.invalidArgument("unknown model '\(name)': choose one of \(names.joined(separator: ", "))")
        }
    }

    /// Throws unless `p` is a dropout probability in [0, 1) (the `Dropout` layer stops the program on others).
    static func checkDropout(_ p: Float, model: String) throws {
        guard p >= 0, p < 1 else { throw FoveaError.invalidArgument("\(model): dropout must be in [0, 1), got \(p)") }
    }
}
