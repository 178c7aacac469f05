import FoveaCore

extension Models {
    /// A small VGG-style network for 32x32 images: three blocks of two 3x3 conv + BatchNorm + ReLU, max pooling and dropout,
    /// then global average pooling and a Dense head.
    public static func cnnCifar(
        inputShape: Shape = [3, 32, 32], classes: Int = 10, widths: [Int] = [32, 64, 128], dropout: Float = 0.25
    ) throws -> Sequential {
        guard inputShape.rank == 3 else {
            throw FoveaError.invalidArgument("cnn-cifar: needs [channels, height, width] input, got \(inputShape)")
        }
        try checkDropout(dropout, model: "cnn-cifar")
        let model = Sequential()
        var channels = inputShape[0]
        for width in widths {
            for _ in 0..<2 {
                model.add(Conv2D(channels, width, kernelSize: 3, padding: 1, bias: false))
                model.add(BatchNorm2D(width))
                model.add(ReLU())
                channels = width
            }
            model.add(MaxPool2D(kernelSize: 2))
            if dropout > 0 { model.add(Dropout(p: dropout)) }
        }
        model.add(GlobalAvgPool2D())
        model.add(Dense(channels, 128))
        model.add(ReLU())
        if dropout > 0 { model.add(Dropout(p: min(2 * dropout, 0.5))) }
        model.add(Dense(128, classes))
        return model
    }
}
