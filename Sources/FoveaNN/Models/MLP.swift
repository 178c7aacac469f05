import FoveaCore

extension Models {
    /// A multi-layer perceptron: Flatten, then Dense + ReLU per hidden size (with optional Dropout), then Dense to `classes`.
    /// 784 -> 256 -> 10 has 203,530 parameters.
    public static func mlp(inputFeatures: Int, hidden: [Int] = [256], classes: Int, dropout: Float = 0) throws -> Sequential {
        try checkDropout(dropout, model: "mlp")
        let model = Sequential([Flatten()])
        var width = inputFeatures
        for size in hidden {
            model.add(Dense(width, size))
            model.add(ReLU())
            if dropout > 0 { model.add(Dropout(p: dropout)) }
            width = size
        }
        model.add(Dense(width, classes))
        return model
    }
}
