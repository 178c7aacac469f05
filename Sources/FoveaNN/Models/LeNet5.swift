import FoveaCore

extension Models {
    /// LeNet-5 as the course builds it: conv 5x5 (6, padding 2) -> pool 2 -> conv 5x5 (16) -> pool 2 -> 120 -> 84 -> classes,
    /// with ReLU and max pooling, or sigmoid and average pooling when `classic`. 61,706 parameters for 28x28x1 input.
    public static func lenet5(inputShape: Shape = [1, 28, 28], classes: Int = 10, classic: Bool = false, dropout: Float = 0)
        throws -> Sequential
    {
        guard inputShape.rank == 3, inputShape[1] >= 12, inputShape[2] >= 12 else {
            throw FoveaError.invalidArgument("lenet5: needs [channels, height, width] input of at least 12x12, got \(inputShape)")
        }
        try checkDropout(dropout, model: "lenet5")
        func activation() -> any UnaryLayer { classic ? Sigmoid() : ReLU() }
        func pool() -> any UnaryLayer { classic ? AvgPool2D(kernelSize: 2) : MaxPool2D(kernelSize: 2) }
        let height = (inputShape[1] / 2 - 4) / 2, width = (inputShape[2] / 2 - 4) / 2
        return Sequential {
            Conv2D(inputShape[0], 6, kernelSize: 5, padding: 2)
            activation()
            pool()
            Conv2D(6, 16, kernelSize: 5)
            activation()
            pool()
            Flatten()
            Dense(16 * height * width, 120)
            activation()
            if dropout > 0 { Dropout(p: dropout) }
            Dense(120, 84)
            activation()
            if dropout > 0 { Dropout(p: dropout) }
            Dense(84, classes)
        }
    }
}
