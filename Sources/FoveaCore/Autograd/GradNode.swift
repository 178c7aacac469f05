/// How a tensor was computed: its inputs and the function that maps the output's gradient to theirs.
public final class GradNode {
    /// The op's name, for error messages and debugging.
    public let op: String
    public let inputs: [Tensor]
    /// Given the output gradient and the output itself, returns one gradient per input (nil where none flows).
    let backward: (_ gradOutput: Tensor, _ output: Tensor) throws -> [Tensor?]

    init(op: String, inputs: [Tensor], backward: @escaping (Tensor, Tensor) throws -> [Tensor?]) {
        self.op = op
        self.inputs = inputs
        self.backward = backward
    }
}

extension Tensor {
    /// Attaches `backward` to `output` when gradients are enabled and any input needs one. Returns `output`.
    ///
    /// Ops call this right after computing their forward: each op's backward sits next to its forward.
    @discardableResult
    public func record(_ output: Tensor, op: String, inputs: [Tensor],
                       backward: @escaping (_ gradOutput: Tensor, _ output: Tensor) throws -> [Tensor?]) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return output }
        output.requiresGrad = true
        output.gradNode = GradNode(op: op, inputs: inputs, backward: backward)
        return output
    }

    /// Computes gradients of this tensor with respect to every leaf that requires them, adding into their `.grad`.
    ///
    /// - Parameter gradient: the gradient of some scalar with respect to this tensor; ones when omitted (the tensor must then hold one element).
    public func backward(_ gradient: Tensor? = nil) throws {
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
        try withNoGrad { try Autograd.run(from: self, seed: seed) }
    }
}

enum Autograd {
    /// Reverse-mode sweep in topological order, accumulating into leaves' `.grad`.
    static func run(from root: Tensor, seed: Tensor) throws {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        // Iterative depth-first post-order, so deep graphs do not overflow the stack.
        var stack: [(Tensor, Bool)] = [(root, false)]
        while let (tensor, expanded) = stack.popLast() {
            let id = ObjectIdentifier(tensor)
            if expanded { order.append(tensor); continue }
            if visited.contains(id) { continue }
            visited.insert(id)
            stack.append((tensor, true))
            for input in tensor.gradNode?.inputs ?? [] where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): seed]
        for tensor in order.reversed() {
            guard let grad = pending.removeValue(forKey: ObjectIdentifier(tensor)) else { continue }
            guard let node = tensor.gradNode else {
                tensor.grad = try accumulate(tensor.grad, grad)
                continue
            }
            let inputGrads = try node.backward(grad, tensor)
            for (input, inputGrad) in zip(node.inputs, inputGrads) {
                guard input.requiresGrad, let inputGrad else { continue }
                guard inputGrad.shape.count == input.shape.count else {
                    throw FoveaError.shapeMismatch(op: "\(node.op) backward", input.shape, inputGrad.shape)
                }
                let shaped = inputGrad.shape == input.shape ? inputGrad : try inputGrad.reshaped(input.shape)
                let key = ObjectIdentifier(input)
                pending[key] = try accumulate(pending[key], shaped)
            }
        }
    }

    /// existing + new, without modifying either (they may be shared).
    static func accumulate(_ existing: Tensor?, _ new: Tensor) throws -> Tensor {
        guard let existing else { return new }
        let backend = try existing.backend
        let sum = try Tensor.empty(existing.shape, device: existing.device)
        try backend.copy(from: existing.storage, offset: 0, to: sum.storage, offset: 0, count: sum.count)
        try backend.axpy(alpha: 1, x: new.storage, y: sum.storage, count: sum.count)
        return sum
    }
}

extension Tensor {
    /// Clears the gradient (PyTorch's `zero_grad(set_to_none=True)`).
    public func zeroGrad() { grad = nil }
}
