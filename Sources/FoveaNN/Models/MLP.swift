import FoveaCore

extension Models {
    /// A multi-layer perceptron: Flatten, then Dense + ReLU per hidden size (with optional Dropout), then Dense to `classes`.
    /// 784 -> 256 -> 10 has 203,530 parameters.
    public static func mlp(inputFeatures: Int, hidden: [Int] = [256], classes: Int, dropout: Float = 0) throws -> Sequential {
        let model = Sequential([Flatten()])
        var width = inputFeatures
        for size in hidden {
            model.add(try Dense(width, size))
            model.add(ReLU())
            if dropout > 0 { model.add(try Dropout(p: dropout)) }
            width = size
        }
        model.add(try Dense(width, classes))
        return model
    }
}
