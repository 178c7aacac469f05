/// Softmax and log-softmax along one axis, each with a backward kernel of its own.
extension Tensor {
    /// e^x / sum(e^x) along `axis`, computed stably (the maximum is subtracted first).
    public func softmax(axis: Int = -1) throws -> Tensor { try softmax(axis: axis, log: false) }

    /// x - log(sum(e^x)) along `axis`, computed stably.
    public func logSoftmax(axis: Int = -1) throws -> Tensor { try softmax(axis: axis, log: true) }

    private func softmax(axis: Int, log: Bool) throws -> Tensor {
        let name = log ? "logSoftmax" : "softmax"
        try requireDType(.float32, op: name)
        guard rank > 0 else { throw FoveaError.invalidArgument("\(name): a 0-d tensor has no axis") }
        let (outer, size, inner) = shape.split(at: try shape.normalizedAxis(axis, op: name))
        let result = try Tensor.empty(shape, device: device)
        try backend.softmax(x: storage, outer: outer, size: size, inner: inner, out: result.storage, log: log)
        return record(result, op: name, inputs: [self], saving: .only([], outputs: true)) { grad, output in
            let gradIn = try Tensor.empty(output.shape, device: output.device)
            try output.backend.softmaxBackward(
                y: output.storage, gradOut: grad.storage, outer: outer, size: size,
                inner: inner, gradIn: gradIn.storage, log: log)
            return [gradIn]
        }
    }
}
