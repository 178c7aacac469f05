import FoveaCore

extension UnaryLayer {
    /// Applies this module to a symbol of a functional model, recording the call (Keras' `layer(x)`).
    ///
    /// The module runs once on a zero tensor of batch 1 (in evaluation mode, without gradients, on its parameters'
    /// device) to infer the output shape; a lazy layer takes its sizes then. An input the module cannot take fails here,
    /// naming the module and the input's shape. Calling one module on several symbols shares its weights; `name`
    /// names it in the model's state dict and summary (the default is `layer0`, `layer1`, ... in order of first use).
    public func callAsFunction(_ input: SymbolicTensor, name: String? = nil) throws -> SymbolicTensor {
        let device = parameters.first?.device ?? namedBuffers.first?.1.value.device ?? .cpu
        do {
            let shape = try inEvaluationMode { try SymbolicTensor.inferShape(of: [input], on: device) { try self($0[0]) } }
            return SymbolicTensor(shape: shape, source: .layer(self, argument: input, name: name))
        } catch let error as FoveaError {
            let label = name.map { "'\($0)' (\(typeName))" } ?? typeName
            throw FoveaError.invalidArgument("graph: layer \(label) cannot take an input of shape \(input): \(error)")
        }
    }
}
