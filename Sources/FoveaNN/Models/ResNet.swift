import FoveaCore

/// torchvision's ResNet-18 (`torchvision.models.resnet18`) with its parameter names and layouts (`conv1.weight`,
/// `layer1.0.bn1.running_mean`, `layer2.0.downsample.0.weight`, `fc.weight`, ...), so its state dicts load strictly.
/// `width` is the first stage's channels (64 in torchvision; smaller for tests), doubled at each of the four stages.
public final class ResNet18: Module, UnaryLayer {
    /// The stem: a 7x7 convolution of stride 2 and its batch normalization (then ReLU and 3x3 max-pooling).
    public let conv1: Conv2D, bn1: BatchNorm2D
    /// The four stages of two residual blocks each; stages 2 to 4 halve the size and double the channels.
    public let layer1: Sequential, layer2: Sequential, layer3: Sequential, layer4: Sequential
    /// The classifier, after global average pooling.
    public let fc: Dense

    public init(inputChannels: Int = 3, classes: Int = 1000, width: Int = 64) {
        conv1 = Conv2D(inputChannels, width, kernelSize: 7, stride: 2, padding: 3, bias: false)
        bn1 = BatchNorm2D(width)
        var channels = width
        func stage(_ out: Int, stride: Int) -> Sequential {
            defer { channels = out }
            return Sequential([
                ResidualBlock(channels, out, stride: stride, skipName: "downsample"),
                ResidualBlock(out, out, skipName: "downsample"),
            ])
        }
        layer1 = stage(width, stride: 1)
        layer2 = stage(2 * width, stride: 2)
        layer3 = stage(4 * width, stride: 2)
        layer4 = stage(8 * width, stride: 2)
        fc = Dense(8 * width, classes)
        super.init()
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        let stem = try bn1(conv1(input)).relu().maxPool2d(kernel: 3, stride: 2, padding: 1)
        let features = try layer4(layer3(layer2(layer1(stem))))
        return try fc(features.globalAvgPool2d())
    }
}
