/// What an op's backward gives one of its inputs.
public enum Gradient {
    /// The whole gradient, of the input's shape (or the same element count).
    case dense(Tensor)
    /// A part of the gradient that adds itself into the input's gradient buffer: Float32 of the input's shape, zero until
    /// the first part. Every part an input receives in one `backward()` lands in that one buffer (slices, gathers).
    case accumulate((_ buffer: Tensor) throws -> Void)
}

/// How one or more tensors were computed: the op's inputs and the function that maps the outputs' gradients to theirs.
public final class GradNode {
    /// The op's name, for error messages and debugging.
    public let op: String
    public let inputs: [Tensor]
    /// The outputs, held weakly (each output holds its node); one that is gone received no gradient.
    private let outputReferences: [WeakTensor]
    /// Given each output's gradient (nil for an output that received none) and the outputs, returns one gradient per input.
    let backward: (_ gradOutputs: [Tensor?], _ outputs: [Tensor?]) throws -> [Gradient?]
    /// The storage versions of the tensors the backward reads, as the forward left them.
    private let savedVersions: [SavedVersion]

    init(
        op: String, inputs: [Tensor], outputs: [Tensor], saved: SavedForBackward,
        backward: @escaping (_ gradOutputs: [Tensor?], _ outputs: [Tensor?]) throws -> [Gradient?]
    ) {
        self.op = op
        self.inputs = inputs
        self.outputReferences = outputs.map(WeakTensor.init)
        self.savedVersions = saved.versions(inputs: inputs, outputs: outputs)
        self.backward = backward
    }

    /// Throws when a tensor the backward reads was written in place since the forward.
    func checkSavedTensors() throws {
        for saved in savedVersions { try saved.check(op: op) }
    }

    /// The outputs still alive, in order (nil where one has gone).
    var outputs: [Tensor?] { outputReferences.map(\.tensor) }
    public var outputCount: Int { outputReferences.count }
}

private struct WeakTensor {
    weak var tensor: Tensor?
}

extension Tensor {
    /// Attaches `backward` to `output` when gradients are enabled and any input needs one. Returns `output`.
    ///
    /// Ops call this right after computing their forward: each op's backward sits next to its forward. `saving` names
    /// what the backward reads (the inputs unless told), so an in-place write to it before `backward()` is an error.
    @discardableResult
    public func record(
        _ output: Tensor, op: String, inputs: [Tensor], saving saved: SavedForBackward = .inputs,
        backward: @escaping (_ gradOutput: Tensor, _ output: Tensor) throws -> [Tensor?]
    ) -> Tensor {
        recordGradients(output, op: op, inputs: inputs, saving: saved) { gradOutput, output in
            try backward(gradOutput, output).map { $0.map(Gradient.dense) }
        }
    }

    /// As `record`, with a backward that may give an input a part of its gradient (`Gradient.accumulate`).
    @discardableResult
    public func recordGradients(
        _ output: Tensor, op: String, inputs: [Tensor], saving saved: SavedForBackward = .inputs,
        backward: @escaping (_ gradOutput: Tensor, _ output: Tensor) throws -> [Gradient?]
    ) -> Tensor {
        Tensor.record(outputs: [output], op: op, inputs: inputs, saving: saved) { gradOutputs, outputs in
            guard let gradOutput = gradOutputs[0], let output = outputs[0] else { return inputs.map { _ in nil } }
            return try backward(gradOutput, output)
        }
        return output
    }

    /// Attaches one backward to several outputs of one op (an LSTM's output, h_n and c_n; values and indices; the parts
    /// of a split). `backward()` calls it once, after every output that takes part in the graph has its gradient in;
    /// an output that received none gets nil. Returns `outputs`.
    @discardableResult
    public static func record(
        outputs: [Tensor], op: String, inputs: [Tensor], saving saved: SavedForBackward = .inputs,
        backward: @escaping (_ gradOutputs: [Tensor?], _ outputs: [Tensor?]) throws -> [Gradient?]
    ) -> [Tensor] {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return outputs }
        let node = GradNode(op: op, inputs: inputs, outputs: outputs, saved: saved, backward: backward)
        for (index, output) in outputs.enumerated() where output.dtype == .float32 {
            output.requiresGrad = true
            output.gradNode = node
            output.gradOutputIndex = index
        }
        return outputs
    }

    /// Computes gradients of this tensor with respect to every leaf that requires them, adding into their `.grad`.
    ///
    /// - Parameters:
    ///   - gradient: the gradient of some scalar with respect to this tensor; ones when omitted (the tensor must then hold one element).
    ///   - onGradientReady: called with each leaf as soon as its `.grad` is complete, while the rest of the graph is still
    ///     being differentiated (PyTorch's post-accumulate-grad hooks); data-parallel training starts summing it over replicas.
    public func backward(_ gradient: Tensor? = nil, onGradientReady: ((Tensor) throws -> Void)? = nil) throws {
        guard requiresGrad else {
            throw FoveaError.invalidArgument("backward(): tensor does not require grad (no input had requiresGrad = true)")
        }
        let seed: Tensor
        if let gradient {
            guard gradient.shape == shape else { throw FoveaError.shapeMismatch(op: "backward", shape, gradient.shape) }
            try checkSameDevice(gradient, op: "backward")
            seed = gradient
        } else {
            guard count == 1 else {
                throw FoveaError.invalidArgument("backward(): output of shape \(shape) is not a scalar; pass a gradient")
            }
            seed = try Tensor.ones(shape, device: device)
        }
        try withNoGrad { try Autograd.run(from: self, seed: seed, leafReady: onGradientReady) }
    }

    /// Clears the gradient (PyTorch's `zero_grad(set_to_none=True)`).
    public func zeroGrad() { grad = nil }
}
