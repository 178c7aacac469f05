import FoveaCore

extension Module {
    /// Parameters and buffers keyed by their dotted paths, in PyTorch's `state_dict` order (each module's parameters,
    /// then its buffers, then its children). A tensor shared by several paths appears under each, as in PyTorch.
    public func stateDict() -> [(String, Tensor)] {
        stateEntries.map { name, entry in
            switch entry {
            case .parameter(let parameter): (name, parameter.value)
            case .buffer(let buffer): (name, buffer.value)
            }
        }
    }

    /// Loads what `stateDict()` gives (`try copy.loadStateDict(model.stateDict())`); see `loadStateDict(_:strict:)`.
    /// Throws when a name appears twice.
    public func loadStateDict(_ state: [(String, Tensor)], strict: Bool = true) throws {
        var byName: [String: Tensor] = [:]
        for (name, tensor) in state {
            guard byName.updateValue(tensor, forKey: name) == nil else {
                throw FoveaError.invalidArgument("state dict names '\(name)' twice")
            }
        }
        try loadStateDict(byName, strict: strict)
    }

    /// Copies values into this module's parameters and buffers, keeping each on its current device.
    /// The model never shares storage with `state` afterwards, and on any error it is left unchanged.
    ///
    /// With `strict`, keys missing from `state` or unknown to the model are errors; shapes must always match, except
    /// that a lazy layer which has not seen an input yet takes its input size from `state`.
    public func loadStateDict(_ state: [String: Tensor], strict: Bool = true) throws {
        let entries = stateEntries
        if strict {
            let known = Set(entries.map(\.0))
            if let missing = known.subtracting(state.keys).sorted().first {
                throw FoveaError.invalidArgument("state dict has no entry for '\(missing)' of \(typeName)")
            }
            if let unexpected = Set(state.keys).subtracting(known).sorted().first {
                throw FoveaError.invalidArgument("state dict entry '\(unexpected)' matches no parameter or buffer of \(typeName)")
            }
        }
        var updates: [(StateEntry, Tensor)] = []
        for (name, entry) in entries {
            guard let incoming = state[name] else { continue }
            let current =
                switch entry {
                case .parameter(let parameter): parameter.value
                case .buffer(let buffer): buffer.value
                }
            guard incoming.shape == current.shape || LazyInitialization.fills(placeholder: current.shape, with: incoming.shape)
            else {
                throw FoveaError.invalidArgument("'\(name)': checkpoint has shape \(incoming.shape), model has \(current.shape)")
            }
            // Counters saved as Float32 by older Fovea versions load into today's Int32 buffers (and vice versa).
            updates.append((entry, try incoming.to(dtype: current.dtype)))
        }
        for (entry, incoming) in updates {
            switch entry {
            case .parameter(let parameter): parameter.value = try Self.copy(incoming, to: parameter.device)
            case .buffer(let buffer): buffer.value = try Self.copy(incoming, to: buffer.value.device)
            }
        }
    }

    /// A copy of `tensor`'s values on `device` that shares no storage with it and is cut off from its graph.
    private static func copy(_ tensor: Tensor, to device: Device) throws -> Tensor {
        guard tensor.device == device else { return try tensor.detach().to(device) }
        let copy = try Tensor.empty(tensor.shape, dtype: tensor.dtype, device: device)
        try copy.backend.copy(from: tensor.storage, offset: 0, to: copy.storage, offset: 0, count: tensor.count)
        return copy
    }
}
