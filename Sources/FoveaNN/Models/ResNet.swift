import FoveaCore

/// torchvision's `BasicBlock`: two 3x3 convolutions with batch normalization and a skip connection, through
/// `downsample` (a strided 1x1 convolution and batch normalization) when the shape changes. Same parameter names.
public final class BasicBlock: Module {
    public let conv1: Conv2D, bn1: BatchNorm2D, conv2: Conv2D, bn2: BatchNorm2D
    public let downsample: Sequential?

    public init(_ inChannels: Int, _ outChannels: Int, stride: Int = 1) {
        conv1 = Conv2D(inChannels, outChannels, kernelSize: 3, stride: Size2D(stride), padding: 1, bias: false)
        bn1 = BatchNorm2D(outChannels)
        conv2 = Conv2D(outChannels, outChannels, kernelSize: 3, padding: 1, bias: false)
        bn2 = BatchNorm2D(outChannels)
        downsample = stride != 1 || inChannels != outChannels
            ? Sequential([Conv2D(inChannels, outChannels, kernelSize: 1, stride: Size2D(stride), bias: false), BatchNorm2D(outChannels)])
            : nil
        super.init()
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        let residual = try bn2(conv2(bn1(conv1(input)).relu()))
        return try (residual + (downsample?(input) ?? input)).relu()
    }
}

/// torchvision's ResNet-18 (`torchvision.models.resnet18`) with its parameter names and layouts (`conv1.weight`,
/// `layer1.0.bn1.running_mean`, `layer2.0.downsample.0.weight`, `fc.weight`, ...), so its state dicts load strictly.
/// `width` is the first stage's channels (64 in torchvision; smaller for tests), doubled at each of the four stages.
public final class ResNet18: Module {
    public let conv1: Conv2D, bn1: BatchNorm2D
    public let layer1: Sequential, layer2: Sequential, layer3: Sequential, layer4: Sequential
    public let fc: Dense

    public init(inputChannels: Int = 3, classes: Int = 1000, width: Int = 64) {
        conv1 = Conv2D(inputChannels, width, kernelSize: 7, stride: 2, padding: 3, bias: false)
        bn1 = BatchNorm2D(width)
        var channels = width
        func stage(_ out: Int, stride: Int) -> Sequential {
            defer { channels = out }
            return Sequential([BasicBlock(channels, out, stride: stride), BasicBlock(out, out)])
        }
        layer1 = stage(width, stride: 1)
        layer2 = stage(2 * width, stride: 2)
        layer3 = stage(4 * width, stride: 2)
        layer4 = stage(8 * width, stride: 2)
        fc = Dense(8 * width, classes)
        super.init()
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        let stem = try bn1(conv1(input)).relu().maxPool2d(kernel: 3, stride: 2, padding: 1)
        let features = try layer4(layer3(layer2(layer1(stem))))
        return try fc(features.globalAvgPool2d())
    }
}
