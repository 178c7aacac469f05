/// The reverse-mode sweep behind `Tensor.backward()`.
enum Autograd {
    /// A gradient gathered for one tensor, and whether the sweep allocated it (and so may add into it in place).
    private struct Pending {
        var tensor: Tensor
        var owned: Bool
    }

    /// Runs every node reachable from `root` once, in reverse topological order, so a node with several outputs runs
    /// after all of their gradients are in; leaves accumulate into `.grad`. A leaf's `.grad` is set, and `leafReady`
    /// called with the leaf, as soon as the last node that uses it has run (not after the whole sweep), so a caller can
    /// start with the first gradients while the sweep goes on (data parallelism starts summing them over replicas).
    static func run(from root: Tensor, seed: Tensor, leafReady: ((Tensor) throws -> Void)? = nil) throws {
        guard let rootNode = root.gradNode else {
            root.grad = try accumulate(root.grad, seed)
            try leafReady?(root)
            return
        }
        var pending: [ObjectIdentifier: [Pending?]] = [:]
        pending[ObjectIdentifier(rootNode)] = slots(rootNode, root.gradOutputIndex, Pending(tensor: seed, owned: false))
        var leaves: [(Tensor, Pending?)] = []
        var leafIndex: [ObjectIdentifier: Int] = [:]
        let order = topologicalOrder(from: rootNode)
        // How many uses by nodes still to run each leaf has: at 0 its gradient is complete.
        var usesLeft: [ObjectIdentifier: Int] = [:]
        for node in order {
            for input in node.inputs where input.requiresGrad && input.gradNode == nil {
                usesLeft[ObjectIdentifier(input), default: 0] += 1
            }
        }
        func finishUses(of node: GradNode) throws {
            for input in node.inputs where input.requiresGrad && input.gradNode == nil {
                let key = ObjectIdentifier(input)
                usesLeft[key]! -= 1
                guard usesLeft[key] == 0, let index = leafIndex[key], let gathered = leaves[index].1 else { continue }
                input.grad = try accumulate(input.grad, gathered.tensor)
                leaves[index].1 = nil
                try leafReady?(input)
            }
        }
        for node in order.reversed() {
            guard let gathered = pending.removeValue(forKey: ObjectIdentifier(node)) else { try finishUses(of: node); continue }
            // A gradient that arrives as a view (a broadcast, a transpose) is made dense once here, not once by every
            // backward that reads it.
            let outputGradients = try gathered.map { try $0.map { $0.tensor.isDense ? $0.tensor : try copy($0.tensor) } }
            try node.checkSavedTensors()
            let inputGradients = try node.backward(outputGradients, node.outputs)
            for (input, gradient) in zip(node.inputs, inputGradients) {
                guard input.requiresGrad, let gradient else { continue }
                if let producer = input.gradNode {
                    let key = ObjectIdentifier(producer)
                    var outputs = pending[key] ?? Array(repeating: nil, count: producer.outputCount)
                    outputs[input.gradOutputIndex] = try add(
                        gradient, for: input, op: node.op, to: outputs[input.gradOutputIndex])
                    pending[key] = outputs
                } else if let index = leafIndex[ObjectIdentifier(input)] {
                    leaves[index].1 = try add(gradient, for: input, op: node.op, to: leaves[index].1)
                } else {
                    leafIndex[ObjectIdentifier(input)] = leaves.count
                    leaves.append((input, try add(gradient, for: input, op: node.op, to: nil)))
                }
            }
            try finishUses(of: node)
        }
    }

    private static func slots(_ node: GradNode, _ index: Int, _ value: Pending) -> [Pending?] {
        var slots = [Pending?](repeating: nil, count: node.outputCount)
        slots[index] = value
        return slots
    }

    /// Nodes in depth-first post-order (inputs before the nodes that use them), iteratively so deep graphs do not
    /// overflow the stack.
    private static func topologicalOrder(from root: GradNode) -> [GradNode] {
        var order: [GradNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(GradNode, Bool)] = [(root, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            guard visited.insert(ObjectIdentifier(node)).inserted else { continue }
            stack.append((node, true))
            for input in node.inputs where input.requiresGrad {
                if let producer = input.gradNode, !visited.contains(ObjectIdentifier(producer)) {
                    stack.append((producer, false))
                }
            }
        }
        return order
    }

    /// Adds one gradient for `input` to what it has gathered so far.
    private static func add(_ gradient: Gradient, for input: Tensor, op: String, to existing: Pending?) throws -> Pending {
        switch gradient {
        case .dense(let tensor):
            guard tensor.count == input.count else {
                throw FoveaError.shapeMismatch(op: "\(op) backward", input.shape, tensor.shape)
            }
            let shaped = tensor.shape == input.shape ? tensor : try tensor.reshaped(input.shape)
            guard let existing else { return Pending(tensor: shaped, owned: false) }
            guard existing.owned else { return Pending(tensor: try sum(existing.tensor, shaped), owned: true) }
            try existing.tensor.backend.axpy(alpha: 1, x: shaped.storage, y: existing.tensor.storage, count: shaped.count)
            return existing
        case .accumulate(let addInto):
            let buffer =
                try existing.map { $0.owned ? $0.tensor : try copy($0.tensor) }
                ?? Tensor.zeros(input.shape, device: input.device)
            try addInto(buffer)
            return Pending(tensor: buffer, owned: true)
        }
    }

    private static func copy(_ tensor: Tensor) throws -> Tensor {
        let copy = try Tensor.empty(tensor.shape, device: tensor.device)
        try tensor.backend.copy(from: tensor.storage, offset: 0, to: copy.storage, offset: 0, count: tensor.count)
        return copy
    }

    /// existing + new, without modifying either (they may be shared). The result is dense, so optimizers and
    /// collectives can update a leaf's gradient in place.
    static func accumulate(_ existing: Tensor?, _ new: Tensor) throws -> Tensor {
        guard let existing else { return new.isDense ? new : try copy(new) }
        return try sum(existing, new)
    }

    /// a + b in a new tensor, in one pass (a copy and an in-place addition would read and write it twice).
    private static func sum(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        let sum = try Tensor.empty(a.shape, device: a.device)
        try sum.backend.binary(
            .add, a: a.storage, aStrides: [1], b: b.storage, bStrides: [1], out: sum.storage, outShape: [sum.count])
        return sum
    }
}
