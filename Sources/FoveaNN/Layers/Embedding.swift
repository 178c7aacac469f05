import FoveaCore

/// A lookup table of `numEmbeddings` vectors of size `dim` (PyTorch's Embedding): Int32 ids of any shape give
/// ids.shape + [dim]. The weight [numEmbeddings, dim] is drawn from N(0, 1); the row at `paddingIndex` starts at zero
/// and gets no gradient (its ids still read its current values, as in PyTorch).
public final class Embedding: Module, UnaryLayer {
    public let weight: Parameter
    public let numEmbeddings: Int, dim: Int
    /// The row that receives no gradient (PyTorch's `padding_idx`, negative values counted from the end), if any.
    public let paddingIndex: Int?

    public init(_ numEmbeddings: Int, _ dim: Int, paddingIndex: Int? = nil, generator: Generator = .default) {
        precondition(numEmbeddings > 0 && dim > 0, "Embedding: sizes must be positive, got \(numEmbeddings) and \(dim)")
        let resolved = paddingIndex.map { $0 < 0 ? $0 + numEmbeddings : $0 }
        if let resolved {
            precondition(
                (0..<numEmbeddings).contains(resolved),
                "Embedding: paddingIndex \(paddingIndex ?? 0) is outside the \(numEmbeddings) rows")
        }
        self.numEmbeddings = numEmbeddings; self.dim = dim; self.paddingIndex = resolved
        weight = Parameter(Self.initialWeight(numEmbeddings, dim, paddingIndex: resolved, generator: generator))
        super.init()
    }

    /// N(0, 1) values with the padding row zeroed (only a lack of memory could fail here).
    private static func initialWeight(_ rows: Int, _ dim: Int, paddingIndex: Int?, generator: Generator) -> Tensor {
        let drawn = Initializer.normal(mean: 0, std: 1).cpuTensor([rows, dim], generator: generator)
        guard let paddingIndex else { return drawn }
        do {
            var values = try drawn.toArray()
            values.replaceSubrange(paddingIndex * dim..<(paddingIndex + 1) * dim, with: repeatElement(0, count: dim))
            return try Tensor(values, shape: [rows, dim])
        } catch { preconditionFailure("Embedding: \(error)") }
    }

    /// The rows of `ids` (Int32, on the weight's device).
    public func forward(_ ids: Tensor) throws -> Tensor {
        let rows = try weight.value.gather(rows: ids)
        guard let paddingIndex, rows.requiresGrad else { return rows }
        // Padding positions take the row's values without a path back to it.
        let keep = try ids.ne(Float(paddingIndex)).to(dtype: .float32).unsqueezed(axis: -1)
        return try rows.mul(keep).add(rows.detach().mul(1 - keep))
    }
}
