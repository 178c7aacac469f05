extension Tensor {
    /// Zeroes each element with probability `p` and scales the others by 1 / (1 - p) (inverted dropout).
    ///
    /// Always applies: the Dropout layer decides between training and evaluation. The mask comes from
    /// `generator`, so a seed gives the same mask on every device; backward regenerates it instead of storing it.
    public func dropout(p: Float, generator: Generator = .default) throws -> Tensor {
        try requireDType(.float32, op: "dropout")
        guard p >= 0, p < 1 else { throw FoveaError.invalidArgument("dropout: probability \(p) is outside [0, 1)") }
        let state = generator.reserve(count)
        let result = try Tensor.empty(shape, device: device)
        try backend.dropout(storage, into: result.storage, count: count, p: p, state: state)
        return record(result, op: "dropout", inputs: [self], saving: .nothing) { grad, _ in
            let gradInput = try Tensor.empty(grad.shape, device: grad.device)
            try grad.backend.dropout(grad.storage, into: gradInput.storage, count: grad.count, p: p, state: state)
            return [gradInput]
        }
    }
}
