import FoveaCore

/// torchvision's VGG-11 (`torchvision.models.vgg11`, configuration A, without batch normalization) with its parameter
/// names (`features.0.weight`, ..., `classifier.6.bias`): eight 3x3 convolutions with ReLU and five max-poolings,
/// adaptive average pooling to 7x7, and three dense layers with dropout. `width` is the first convolution's channels
/// (64 in torchvision) and `hidden` the dense layers' units (4096); smaller values give the reduced variants of tests.
public final class VGG11: Module, UnaryLayer {
    /// The convolutions, ReLUs and max-poolings (`features.0` to `features.20`).
    public let features: Sequential
    /// Adaptive average pooling to 7x7.
    public let avgpool = AdaptiveAvgPool2D(7)
    /// Dense, ReLU, dropout, dense, ReLU, dropout, dense (`classifier.0`, `classifier.3`, `classifier.6`).
    public let classifier: Sequential

    public init(inputChannels: Int = 3, classes: Int = 1000, width: Int = 64, hidden: Int = 4096, dropout: Float = 0.5) {
        let stages = [[1], [2], [4, 4], [8, 8], [8, 8]]
        var layers: [any UnaryLayer] = [], channels = inputChannels
        for stage in stages {
            for multiple in stage {
                layers += [Conv2D(channels, multiple * width, kernelSize: 3, padding: 1), ReLU()]
                channels = multiple * width
            }
            layers.append(MaxPool2D(kernelSize: 2, stride: 2))
        }
        features = Sequential(layers)
        classifier = Sequential([
            Dense(channels * 49, hidden), ReLU(), Dropout(p: dropout), Dense(hidden, hidden), ReLU(),
            Dropout(p: dropout), Dense(hidden, classes),
        ])
        super.init()
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        try classifier(avgpool(features(input)).flattened(startAxis: 1))
    }
}
