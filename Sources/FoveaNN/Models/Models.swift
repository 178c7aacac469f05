import FoveaCore

/// The model zoo: ready-made networks by name, for the CLI and for users.
public enum Models {
    /// Names accepted by `make(_:...)`.
    public static let names = ["mlp", "lenet5", "cnn-cifar", "resnet-small"]

    /// Builds the model called `name` for samples of `inputShape` ([C, H, W]) and `classes` outputs.
    public static func make(_ name: String, inputShape: Shape, classes: Int, hidden: [Int] = [256],
                            classic: Bool = false, dropout: Float? = nil) throws -> Sequential {
        switch name {
        case "mlp": return try mlp(inputFeatures: inputShape.count, hidden: hidden, classes: classes, dropout: dropout ?? 0)
        case "lenet5": return try lenet5(inputShape: inputShape, classes: classes, classic: classic, dropout: dropout ?? 0)
        case "cnn-cifar": return try cnnCifar(inputShape: inputShape, classes: classes, dropout: dropout ?? 0.25)
        case "resnet-small": return try resnetSmall(inputShape: inputShape, classes: classes)
        default:
            throw FoveaError.invalidArgument("unknown model '\(name)': choose one of \(names.joined(separator: ", "))")
        }
    }

    /// Throws unless `p` is a dropout probability in [0, 1) (the `Dropout` layer stops the program on others).
    static func checkDropout(_ p: Float, model: String) throws {
        guard p >= 0, p < 1 else { throw FoveaError.invalidArgument("\(model): dropout must be in [0, 1), got \(p)") }
    }
}
