import FoveaCore

/// A module of one tensor in and one tensor out (mlx-swift's `UnaryLayer`): every built-in layer, `Sequential`, the
/// zoo's models and a one-input one-output `GraphModel`. It writes `forward(_:)`; calling it (`layer(x)`) runs
/// `forward`, then its forward hooks, and is what `Sequential`, `summary(inputShape:)`, calls on symbols of a
/// functional model and `Trainer(model:optimizer:loss:)` use.
///
/// A module of another signature (two tensors in, an output and states out) does not conform: it subclasses `Module`
/// and defines its own `callAsFunction`, as `LSTM.callAsFunction(_:initialState:)` does. `Sequential` takes only
/// unary layers, so putting such a module in one is a compile-time error.
public protocol UnaryLayer: Module {
    /// The module's computation on one tensor.
    func forward(_ input: Tensor) throws -> Tensor
}

extension UnaryLayer {
    /// Runs `forward`, then the forward hooks, recording the output shape while `summary(inputShape:)` is collecting.
    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        let recorder = SummaryRecorder.current
        let depth = recorder?.enter()
        var output = try forward(input)
        for (_, hook) in forwardHooks { output = try hook(self, input, output) ?? output }
        if let recorder, let depth { recorder.leave(self, depth: depth, output: output.shape) }
        return output
    }
}
