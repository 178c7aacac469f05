/// Splitting one tensor into several along an axis: one op with several outputs.
extension Tensor {
    /// Consecutive parts of `sizes[i]` entries along `axis` (the sizes must add up to the axis). The parts share one
    /// gradient node: the backward runs once, after every part that is used has its gradient, and adds them into one
    /// buffer (a part without a gradient contributes zeros).
    public func split(sizes: [Int], axis: Int = 0) throws -> [Tensor] {
        let axis = try shape.normalizedAxis(axis, op: "split")
        guard sizes.allSatisfy({ $0 > 0 }), sizes.reduce(0, +) == shape[axis] else {
            throw FoveaError.invalidArgument(
                "split: sizes \(sizes) do not add up to axis \(axis) of shape \(shape) in positive parts")
        }
        let starts = sizes.indices.map { sizes[..<$0].reduce(0, +) }
        let parts = try withNoGrad { try zip(starts, sizes).map { try slice(axis: axis, start: $0, count: $1) } }
        let strides = shape.strides
        // The backward keeps the parts' shapes, not the parts: they hold this node, so holding them would be a cycle
        // that leaks every split's graph (an LSTM's gates, every step).
        let partShapes = parts.map(\.shape)
        return Tensor.record(outputs: parts, op: "split", inputs: [self], saving: .nothing) { grads, _ in
            [
                .accumulate { buffer in
                    for (grad, (start, partShape)) in zip(grads, zip(starts, partShapes)) {
                        guard let grad else { continue }
                        try buffer.backend.scatterStrided(
                            grad.storage, into: buffer.storage, offset: start * strides[axis],
                            strides: strides, shape: partShape, accumulate: true)
                    }
                }
            ]
        }
    }

    /// `chunks` parts of equal size along `axis` (the last one smaller when the axis does not divide), as PyTorch's chunk.
    public func chunk(_ chunks: Int, axis: Int = 0) throws -> [Tensor] {
        let resolved = try shape.normalizedAxis(axis, op: "chunk")
        guard chunks > 0, shape[resolved] > 0 else {
            throw FoveaError.invalidArgument("chunk: cannot cut axis \(resolved) of shape \(shape) into \(chunks) parts")
        }
        let size = (shape[resolved] + chunks - 1) / chunks
        let sizes = stride(from: 0, to: shape[resolved], by: size).map { Swift.min(size, shape[resolved] - $0) }
        return try split(sizes: sizes, axis: resolved)
    }
}
