import FoveaCore

/// Word ids [batch, length] (Int32, or Float32 holding whole numbers, as a `DataLoader` gives them) through an
/// `Embedding` (by default id 0 pads and is not trained), an LSTM or a GRU and a Dense layer on the last step: class
/// logits [batch, classes]. With a padding id, texts are read as padded at the front (as `Vocabulary.encode` pads them):
/// the recurrent layer starts at each text's first word and carries its state through the padding before it, so the
/// padding does not change a prediction. With as many classes as ids and no padding it is a character-level language
/// model (the logits of the character after the sequence). Parameters are `embedding.weight`, `lstm.weight_ih_l0`
/// (`gru.weight_ih_l0` for a GRU), ..., `head.weight`, `head.bias`.
public final class TextClassifier: Module, UnaryLayer {
    public let embedding: Embedding
    /// The LSTM or GRU, named `lstm` or `gru` in the state dict.
    public let recurrent: RecurrentNetwork
    public let head: Dense

    /// The recurrent layer when it is an LSTM (nil for a GRU).
    public var lstm: LSTM? { recurrent as? LSTM }

    /// `kind` is `.lstm` or `.gru`.
    public init(
        vocabulary: Int, embeddingSize: Int = 64, hiddenSize: Int, classes: Int, paddingIndex: Int? = 0,
        kind: RecurrentKind = .lstm
    ) {
        precondition(kind == .lstm || kind == .gru, "TextClassifier: kind must be .lstm or .gru, got \(kind)")
        embedding = Embedding(vocabulary, embeddingSize, paddingIndex: paddingIndex)
        recurrent =
            kind == .lstm
            ? LSTM(embeddingSize, hiddenSize, batchFirst: true) : GRU(embeddingSize, hiddenSize, batchFirst: true)
        head = Dense(hiddenSize, classes)
        super.init()
    }

    public override var namedChildren: [(String, Module)] {
        [("embedding", embedding), (recurrent is LSTM ? "lstm" : "gru", recurrent), ("head", head)]
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        guard input.rank == 2 else {
            throw FoveaError.invalidArgument("TextClassifier: input of shape \(input.shape) is not [batch, length] word ids")
        }
        let ids = try input.dtype == .int32 ? input : input.to(dtype: .int32)
        // Each text's length, counted on the device (no host read); at least one step, so an empty text reads one pad.
        let lengths = try embedding.paddingIndex.map {
            try ids.ne(Float($0)).sum(axes: [1]).maximum(Tensor(indices: [1], device: ids.device))
        }
        let embedded = try embedding(ids)
        let output = try recurrent.observedRun(embedded, initialState: nil, lengths: lengths, paddedAtFront: true).output
        return try head(output.slice(axis: 1, start: input.shape[1] - 1, count: 1).squeezed(axis: 1))
    }
}
