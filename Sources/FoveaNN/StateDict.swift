import FoveaCore

extension Module {
    /// Parameters then buffers, keyed by their dotted paths (PyTorch's `state_dict`).
    public func stateDict() -> [(String, Tensor)] {
        namedParameters.map { ($0.0, $0.1.value) } + namedBuffers.map { ($0.0, $0.1.value) }
    }

    /// Copies values into this module's parameters and buffers, keeping each on its current device.
    ///
    /// With `strict`, keys missing from `state` or unknown to the model are errors; shapes must always match.
    public func loadStateDict(_ state: [String: Tensor], strict: Bool = true) throws {
        let parameters = namedParameters, buffers = namedBuffers
        let known = Set(parameters.map(\.0) + buffers.map(\.0))
        if strict {
            if let missing = known.subtracting(state.keys).sorted().first {
                throw FoveaError.invalidArgument("state dict has no entry for parameter '\(missing)' of \(typeName)")
            }
            if let unexpected = Set(state.keys).subtracting(known).sorted().first {
                throw FoveaError.invalidArgument("state dict entry '\(unexpected)' matches no parameter of \(typeName)")
            }
        }
        func converted(_ name: String, _ current: Tensor) throws -> Tensor? {
            guard let incoming = state[name] else { return nil }
            guard incoming.shape == current.shape else {
                throw FoveaError.invalidArgument("parameter '\(name)': checkpoint has shape \(incoming.shape), model has \(current.shape)")
            }
            return try incoming.detach().to(current.device)
        }
        for (name, parameter) in parameters {
            if let value = try converted(name, parameter.value) { parameter.value = value }
        }
        for (name, buffer) in buffers {
            if let value = try converted(name, buffer.value) { buffer.value = value }
        }
    }
}
