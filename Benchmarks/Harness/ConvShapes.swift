/// One convolution layer of a reference network: square input, square kernel, no groups or dilation.
struct ConvShape: Codable, Sendable {
    /// "lenet", "vgg" or "resnet".
    let network: String
    /// 1-based position in the network, for names like "vgg2".
    let layer: Int
    let inChannels: Int, outChannels: Int
    /// Input height and width.
    let size: Int
    let kernel: Int, stride: Int, padding: Int

    var outputSize: Int { (size + 2 * padding - kernel) / stride + 1 }

    /// "vgg2 32->32 32x32" (plus "s2" when strided, and "1x1" for a pointwise kernel).
    var label: String {
        "\(network)\(layer) \(inChannels)->\(outChannels) \(size)x\(size)" + (stride == 1 ? "" : " s\(stride)")
            + (kernel == 1 ? " 1x1" : "")
    }

    /// Multiply-adds times two of one pass (forward, backward-data and backward-weight all cost the same).
    func flops(batch: Int) -> Double {
        2 * Double(batch * outChannels * outputSize * outputSize) * Double(inChannels * kernel * kernel)
    }

    /// LeNet-5, a small VGG-style CIFAR net and a CIFAR ResNet.
    static let all: [ConvShape] = lenet + vgg + resnet

    static let lenet = [
        ConvShape(network: "lenet", layer: 1, inChannels: 1, outChannels: 6, size: 28, kernel: 5, stride: 1, padding: 2),
        ConvShape(network: "lenet", layer: 2, inChannels: 6, outChannels: 16, size: 14, kernel: 5, stride: 1, padding: 0),
    ]

    static let vgg = [(3, 32, 32), (32, 32, 32), (32, 64, 16), (64, 64, 16), (64, 128, 8), (128, 128, 8)]
        .enumerated().map { index, layer in
            ConvShape(
                network: "vgg", layer: index + 1, inChannels: layer.0, outChannels: layer.1, size: layer.2,
                kernel: 3, stride: 1, padding: 1)
        }

    /// The 3x3 convolutions of the stages, then resnet-small's 3 -> 16 stem and its 1x1 stride-2 shortcut projections.
    static let resnet =
        [(16, 16, 32, 1), (16, 32, 32, 2), (32, 32, 16, 1), (32, 64, 16, 2), (64, 64, 8, 1)]
        .enumerated().map { index, layer in
            ConvShape(
                network: "resnet", layer: index + 1, inChannels: layer.0, outChannels: layer.1, size: layer.2,
                kernel: 3, stride: layer.3, padding: 1)
        } + [
            ConvShape(network: "resnet", layer: 6, inChannels: 3, outChannels: 16, size: 32, kernel: 3, stride: 1, padding: 1),
            ConvShape(network: "resnet", layer: 7, inChannels: 16, outChannels: 32, size: 32, kernel: 1, stride: 2, padding: 0),
            ConvShape(network: "resnet", layer: 8, inChannels: 32, outChannels: 64, size: 16, kernel: 1, stride: 2, padding: 0),
        ]
}
