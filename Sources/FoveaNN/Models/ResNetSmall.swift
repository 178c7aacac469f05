import FoveaCore

/// Two 3x3 conv + BatchNorm layers with a skip connection (a 1x1 projection when the shape changes): torchvision's
/// `BasicBlock`, whose projection is named `downsample` (pass `skipName: "downsample"`) where Fovea's
/// `resnet-small` names it `shortcut`.
public final class ResidualBlock: Module, UnaryLayer {
    public let conv1: Conv2D, bn1: BatchNorm2D, conv2: Conv2D, bn2: BatchNorm2D
    /// The projection of the skip path, when stride or width change.
    public let shortcut: Sequential?
    /// The projection's name in the state dict.
    public let skipName: String

    public init(_ inChannels: Int, _ outChannels: Int, stride: Int = 1, skipName: String = "shortcut") {
        self.skipName = skipName
        conv1 = Conv2D(inChannels, outChannels, kernelSize: 3, stride: Size2D(stride), padding: 1, bias: false)
        bn1 = BatchNorm2D(outChannels)
        conv2 = Conv2D(outChannels, outChannels, kernelSize: 3, padding: 1, bias: false)
        bn2 = BatchNorm2D(outChannels)
        shortcut =
            stride != 1 || inChannels != outChannels
            ? Sequential([
                Conv2D(inChannels, outChannels, kernelSize: 1, stride: Size2D(stride), bias: false), BatchNorm2D(outChannels),
            ])
            : nil
        super.init()
    }

    public override var namedChildren: [(String, Module)] {
        super.namedChildren.map { ($0.0 == "shortcut" ? skipName : $0.0, $0.1) }
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        let features = try conv1(input)
        let hidden = bn1.canRunFused ? try bn1.forward(features, relu: true) : try bn1(features).relu()
        let convolved = try conv2(hidden)
        // bn2, the skip's addition and the ReLU as one op unless a hook or a summary must see bn2's output.
        guard bn2.canRunFused else {
            let residual = try bn2(convolved)
            return try (residual + (shortcut?(input) ?? input)).relu()
        }
        return try bn2.forward(convolved, residual: shortcut?(input) ?? input, relu: true)
    }
}

extension Models {
    /// A CIFAR ResNet (He et al. 2016, section 4.2): a 3x3 stem, three stages of `blocksPerStage` residual blocks
    /// (16, 32, 64 channels, stride 2 between stages), global average pooling and a Dense head.
    public static func resnetSmall(inputShape: Shape = [3, 32, 32], classes: Int = 10, blocksPerStage: Int = 2) throws
        -> Sequential
    {
        guard inputShape.rank == 3 else {
            throw FoveaError.invalidArgument("resnet-small: needs [channels, height, width] input, got \(inputShape)")
        }
        let model = Sequential([Conv2D(inputShape[0], 16, kernelSize: 3, padding: 1, bias: false), BatchNorm2D(16), ReLU()])
        var channels = 16
        for (stage, width) in [16, 32, 64].enumerated() {
            for block in 0..<blocksPerStage {
                model.add(ResidualBlock(channels, width, stride: stage > 0 && block == 0 ? 2 : 1))
                channels = width
            }
        }
        model.add(GlobalAvgPool2D())
        model.add(Dense(channels, classes))
        return model
    }
}
