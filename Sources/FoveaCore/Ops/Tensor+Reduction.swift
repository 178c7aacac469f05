/// Sums, means, extrema and argmax over axes.
extension Tensor {
    /// Sum over `axes` (all when nil, giving a 0-d tensor). Negative axes count from the end. Int32 sums stay Int32.
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        let plan = try reductionPlan(axes, op: "sum")
        let result = try reduced(.sum, plan, keepDims: keepDims)
        let original = shape
        return record(result, op: "sum", inputs: [self], saving: .nothing) { grad, _ in
            [try grad.reshaped(plan.keptShape).broadcast(to: original)]
        }
    }

    /// Mean over `axes` (all when nil, giving a 0-d tensor).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        try requireDType(.float32, op: "mean")
        let plan = try reductionPlan(axes, op: "mean")
        let result = try reduced(.mean, plan, keepDims: keepDims)
        let original = shape, n = plan.reducedCount
        return record(result, op: "mean", inputs: [self], saving: .nothing) { grad, _ in
            [try grad.reshaped(plan.keptShape).mul(1 / Float(n)).broadcast(to: original)]
        }
    }

    /// Largest value over `axes` (all when nil). The gradient is split evenly among ties, as PyTorch's amax.
    public func max(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        try extremum(.max, axes: axes, keepDims: keepDims, name: "max")
    }

    /// Smallest value over `axes` (all when nil). The gradient is split evenly among ties, as PyTorch's amin.
    public func min(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        try extremum(.min, axes: axes, keepDims: keepDims, name: "min")
    }

    /// Index of the first largest value along `axis`, as an Int32 tensor (no gradient).
    public func argmax(axis: Int, keepDims: Bool = false) throws -> Tensor {
        try requireDType(.float32, op: "argmax")
        guard rank > 0 else { throw FoveaError.invalidArgument("argmax: a 0-d tensor has no axis") }
        let plan = try reductionPlan([axis], op: "argmax")
        try plan.checkNonEmpty(op: "argmax")
        let (outer, size, inner) = shape.split(at: plan.axes[0])
        let result = try Tensor.empty(keepDims ? plan.keptShape : plan.droppedShape, dtype: .int32, device: device)
        try backend.argmax(x: storage, outer: outer, size: size, inner: inner, out: result.storage)
        return result
    }

    /// The largest value along `axis` and the index of its first occurrence (PyTorch's `torch.max(x, dim)`): one op with
    /// two outputs, Float32 values and Int32 indices. The gradient of the values flows to that first occurrence only.
    public func max(axis: Int, keepDims: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        try requireDType(.float32, op: "max(axis:)")
        let plan = try reductionPlan([axis], op: "max")
        let (values, indices) = try withNoGrad {
            (try max(axes: plan.axes, keepDims: keepDims), try argmax(axis: plan.axes[0], keepDims: keepDims))
        }
        let size = shape[plan.axes[0]]
        let outputs = Tensor.record(outputs: [values, indices], op: "max", inputs: [self], saving: .only([indices])) {
            [self] grads, _ in
            guard let grad = grads[0] else { return [nil] }
            var positions = [Int](repeating: 1, count: rank)
            positions[plan.axes[0]] = size
            let along = try Tensor(indices: Array(0..<size), shape: Shape(positions), device: device)
            let winner = try along.eq(indices.reshaped(plan.keptShape)).to(dtype: .float32)
            return [.dense(try winner.mul(grad.reshaped(plan.keptShape)))]
        }
        return (outputs[0], outputs[1])
    }

    private func extremum(_ op: ReduceOp, axes: [Int]?, keepDims: Bool, name: String) throws -> Tensor {
        let plan = try reductionPlan(axes, op: name)
        try plan.checkNonEmpty(op: name)
        let result = try reduced(op, plan, keepDims: keepDims)
        return record(result, op: name, inputs: [self], saving: .inputsAndOutputs) { [self] grad, output in
            let winners = try self.broadcasting(.eq, output.reshaped(plan.keptShape), name: "\(name) backward")
            let ties = try winners.sum(axes: plan.axes, keepDims: true)
            return [try winners.mul(grad.reshaped(plan.keptShape).div(ties))]
        }
    }

    /// Which axes a reduction removes, and the resulting shapes.
    struct ReductionPlan {
        /// Sorted, distinct, non-negative.
        var axes: [Int]
        var input: Shape
        /// The result with reduced axes kept as size 1.
        var keptShape: Shape { Shape(input.dims.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }) }
        /// The result with reduced axes removed.
        var droppedShape: Shape { Shape(input.dims.enumerated().filter { !axes.contains($0.offset) }.map(\.element)) }
        var reducedCount: Int { axes.map { input[$0] }.reduce(1, *) }

        func checkNonEmpty(op: String) throws {
            if axes.contains(where: { input[$0] == 0 }) {
                throw FoveaError.invalidArgument("\(op): cannot reduce an empty axis of shape \(input)")
            }
        }
    }

    func reductionPlan(_ axes: [Int]?, op: String) throws -> ReductionPlan {
        guard let axes else { return ReductionPlan(axes: Array(0..<rank), input: shape) }
        let resolved = try axes.map { try shape.normalizedAxis($0, op: op) }
        guard Set(resolved).count == resolved.count else {
            throw FoveaError.invalidArgument("\(op): axes \(axes) repeat an axis of shape \(shape)")
        }
        return ReductionPlan(axes: rank == 0 ? [] : resolved.sorted(), input: shape)
    }

    /// The forward pass: one backend reduction per run of adjacent axes, each seen as (outer, size, inner). Int32 tensors
    /// take sum, max and min.
    private func reduced(_ op: ReduceOp, _ plan: ReductionPlan, keepDims: Bool) throws -> Tensor {
        let backend = try self.backend
        var dims = shape.dims
        var source = try storage
        if plan.axes.isEmpty {
            source = try backend.allocate(count, dtype: dtype)
            try backend.copy(from: storage, offset: 0, to: source, offset: 0, count: count)
        }
        var runs: [ClosedRange<Int>] = []
        for axis in plan.axes {
            if let last = runs.last, last.upperBound == axis - 1 {
                runs[runs.count - 1] = last.lowerBound...axis
            } else {
                runs.append(axis...axis)
            }
        }
        // Every run of a mean averages groups of equal size, so a mean of means is the overall mean.
        for run in runs {
            let outer = dims[..<run.lowerBound].reduce(1, *)
            let size = dims[run].reduce(1, *)
            let inner = dims[(run.upperBound + 1)...].reduce(1, *)
            let out = try backend.allocate(outer * inner, dtype: dtype)
            if dtype == .int32 {
                try backend.reduceInt32(op, x: source, outer: outer, size: size, inner: inner, out: out)
            } else {
                try backend.reduce(op, x: source, outer: outer, size: size, inner: inner, out: out)
            }
            for axis in run { dims[axis] = 1 }
            source = out
        }
        return Tensor(shape: keepDims ? plan.keptShape : plan.droppedShape, device: device, storage: source)
    }
}
