/// The tensors an op's backward reads. Autograd refuses to run that backward when one of them was written in place
/// after the forward (an optimizer step, `assign`, `fill`, through any view of its storage), as PyTorch does, rather
/// than compute a gradient from values the forward never saw.
public struct SavedForBackward {
    /// The tensors, or nil for the op's inputs.
    let tensors: [Tensor]?
    /// Whether the backward also reads the op's outputs.
    let outputs: Bool

    /// The op's inputs (the default).
    public static let inputs = SavedForBackward(tensors: nil, outputs: false)
    /// The op's inputs and its outputs (activations whose gradient is computed from their result).
    public static let inputsAndOutputs = SavedForBackward(tensors: nil, outputs: true)
    /// Nothing: a backward that needs no values (additions, views, sums, copies).
    public static let nothing = SavedForBackward(tensors: [], outputs: false)

    /// Exactly `tensors`, and the outputs when `outputs` is true.
    public static func only(_ tensors: [Tensor], outputs: Bool = false) -> SavedForBackward {
        SavedForBackward(tensors: tensors, outputs: outputs)
    }

    /// A product's two operands (matmul, linear, convolution), each only where the other needs a gradient, which is
    /// read from it (as PyTorch saves them); and the outputs when `outputs` is true.
    public static func operands(_ a: Tensor, _ b: Tensor, outputs: Bool = false) -> SavedForBackward {
        only((b.requiresGrad ? [a] : []) + (a.requiresGrad ? [b] : []), outputs: outputs)
    }

    /// The storage versions to check.
    func versions(inputs: [Tensor], outputs results: [Tensor]) -> [SavedVersion] {
        var versions =
            if let tensors {
                tensors.map { tensor in
                    let index = inputs.firstIndex { $0 === tensor }
                    return SavedVersion(tensor, role: index.map(SavedVersion.Role.input) ?? .other)
                }
            } else {
                inputs.enumerated().map { index, input in SavedVersion(input, role: .input(index)) }
            }
        if outputs {
            versions += results.enumerated().map { index, output in
                SavedVersion(output, role: results.count == 1 ? .output : .outputNumber(index))
            }
        }
        return versions
    }
}

/// The version a saved tensor's storage had when the op ran. The storage is held as long as the node: no cycle (a
/// storage holds nothing), and no longer than the tensors the backward keeps.
struct SavedVersion {
    /// What the tensor is to the op, for the error message.
    enum Role {
        case input(Int), output, outputNumber(Int), other
    }

    private let storage: Storage
    private let version: Int
    private let role: Role
    private let shape: Shape

    init(_ tensor: Tensor, role: Role) {
        self.storage = tensor.sharedStorage
        self.version = tensor.sharedStorage.version
        self.role = role
        self.shape = tensor.shape
    }

    /// Throws when the storage was written in place since the op saw it.
    func check(op: String) throws {
        guard storage.version != version else { return }
        let name =
            switch role {
            case .input(let index): "input \(index)"
            case .output: "its output"
            case .outputNumber(let index): "output \(index)"
            case .other: "a tensor"
            }
        throw FoveaError.invalidArgument(
            "backward(): \(name) of shape \(shape), which \(op)'s backward reads, was modified in place after \(op) ran "
                + "(version \(version), now \(storage.version)); modify a copy, or run the forward again after the change")
    }
}
