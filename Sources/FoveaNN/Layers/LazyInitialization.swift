import FoveaCore

/// What a layer made without its input size (Keras' `Dense(units)`, PyTorch's `LazyLinear`) keeps to draw its
/// parameters at the first call, when the input shows the size.
///
/// Until then the weight is a placeholder with no elements (its input axis is 0); it moves with the module like any
/// parameter, and the drawn values go to the device it is on. Loading a state dict fills a placeholder with the
/// saved shape instead (as PyTorch's lazy modules do). The `Parameter` objects stay the same, so an optimizer made
/// before the first call updates the real values.
struct LazyInitialization {
    let weight: Initializer
    let bias: Initializer?
    let generator: Generator

    /// A placeholder weight of `shape` (its input axis 0) and, when `bias`, a bias of `outputs` zeros.
    static func placeholders(_ shape: Shape, outputs: Int, bias: Bool) -> (weight: Parameter, bias: Parameter?) {
        (Parameter(Initializer.zeros.cpuTensor(shape)), bias ? Parameter(Initializer.zeros.cpuTensor([outputs])) : nil)
    }

    /// Replaces the placeholders with values of `shape` drawn as an eagerly made layer would draw them.
    func materialize(_ shape: Shape, weight: Parameter, bias: Parameter?) throws {
        let values = Initializer.weightAndBias(
            shape, weight: self.weight, bias: bias != nil, biasInitializer: self.bias,
            generator: generator)
        weight.value = try values.weight.to(weight.device)
        if let bias, let biasValues = values.bias { bias.value = try biasValues.to(bias.device) }
    }

    /// Whether `incoming` can fill the placeholder `shape`: the same rank, and equal on every axis but the zero one.
    static func fills(placeholder shape: Shape, with incoming: Shape) -> Bool {
        shape.count == 0 && shape.rank == incoming.rank && zip(shape.dims, incoming.dims).allSatisfy { $0 == 0 || $0 == $1 }
    }
}
