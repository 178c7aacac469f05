/// One layer and direction of a recurrent network over a whole sequence as one op, as cuDNN's RNN: the input
/// projection of every step is one GEMM, each step one GEMM by W_hh and one fused cell (`RecurrentBackend`); the
/// backward runs through time the same way and gets the weight gradients with one GEMM each over all steps.
extension Tensor {
    /// Runs a simple RNN, an LSTM or a GRU (PyTorch's formulas; GRU's reset gate scales W_hn h + b_hn) over
    /// `input` [steps, batch, inputSize] from `initialState` ([h_0] or, for an LSTM, [h_0, c_0], each [batch, hidden]).
    /// Weights are PyTorch's: `weightIH` [gates * hidden, inputSize], `weightHH` [gates * hidden, hidden], biases
    /// [gates * hidden]. Returns the output [steps, batch, hidden] and the final state ([h_n] or [h_n, c_n]).
    ///
    /// `lengths` (Int32 [batch], on the CPU or the input's device) makes the batch padded sequences, as PyTorch's
    /// `pack_padded_sequence` does: sequence b holds steps 0 ..< lengths[b], its outputs past them are zero, its final
    /// state is the one after its last element, and with `reverse` it starts from that element. Lengths on the CPU must
    /// lie in 1...steps; on an OpenCL device they are not read back, and values outside 0...steps act as the nearest end.
    /// With `paddedAtFront` sequence b holds the last lengths[b] steps instead (Keras' "pre" padding, masked as Keras
    /// masks): the state is carried through the padding before it, so the final state is the last step's output.
    public static func recurrent(
        _ kind: RecurrentKind, input: Tensor, initialState: [Tensor], weightIH: Tensor, weightHH: Tensor,
        biasIH: Tensor?, biasHH: Tensor?, lengths: Tensor? = nil, paddedAtFront: Bool = false,
        reverse: Bool = false
    ) throws -> (output: Tensor, state: [Tensor]) {
        let op = "recurrent \(kind)"
        try input.requireDType(.float32, op: op)
        // A view (a batch-first input, permuted) is copied once here; the forward and the backward both read it.
        if !input.isDense {
            return try recurrent(
                kind, input: input.dense(), initialState: initialState, weightIH: weightIH, weightHH: weightHH,
                biasIH: biasIH, biasHH: biasHH, lengths: lengths, paddedAtFront: paddedAtFront, reverse: reverse)
        }
        guard input.rank == 3, weightIH.rank == 2, weightHH.rank == 2, weightIH.shape[1] == input.shape[2] else {
            throw FoveaError.invalidArgument(
                "\(op): input \(input.shape) and weight_ih \(weightIH.shape) are not [steps, batch, input] and [gates * hidden, input]"
            )
        }
        let (steps, batch, inputSize) = (input.shape[0], input.shape[1], input.shape[2])
        let hidden = weightHH.shape[1], gateWidth = kind.gates * hidden
        let shape = RecurrentShape(
            kind: kind, steps: steps, batch: batch, hidden: hidden, reverse: reverse, paddedAtFront: paddedAtFront)
        let expected: [(String, Tensor?, Shape)] =
            [
                ("weight_ih", weightIH, [gateWidth, inputSize]), ("weight_hh", weightHH, [gateWidth, hidden]),
                ("bias_ih", biasIH, [gateWidth]), ("bias_hh", biasHH, [gateWidth]),
            ]
            + initialState.map { ("initial state", $0, [batch, hidden]) }
        for case let (name, tensor?, wanted) in expected {
            guard tensor.shape == wanted else { throw FoveaError.shapeMismatch(op: "\(op) \(name)", wanted, tensor.shape) }
            try input.checkSameDevice(tensor, op: op)
            try tensor.requireDType(.float32, op: op)
        }
        guard initialState.count == kind.stateCount, steps > 0, batch > 0 else {
            throw FoveaError.invalidArgument(
                "\(op): needs \(kind.stateCount) initial state tensors and a non-empty sequence, got \(initialState.count) and input \(input.shape)"
            )
        }
        let deviceLengths = try lengths.map { try sequenceLengths($0, steps: steps, batch: batch, device: input.device, op: op) }

        let backend = try input.backend
        // x W_ih^T + b_ih for every step at once.
        let projected = try Tensor.empty([steps, batch, gateWidth], device: input.device)
        let projection = GemmDescriptor(m: steps * batch, n: gateWidth, k: inputSize, transposeB: true)
        // On the CPU this op's GEMMs use Fovea's workers, not OpenBLAS's threads (see `CPUBackend.withOwnThreads`).
        try CPUBackend.withOwnThreads {
            try backend.gemm(
                projection, a: input.storage, b: weightIH.storage, c: projected.storage, rowBias: biasIH?.storage,
                activation: .identity)
        }

        let stateShape: Shape = [batch, hidden], sequenceShape: Shape = [steps, batch, hidden]
        let lstm = kind == .lstm
        let output = try Tensor.empty(sequenceShape, device: input.device)
        let finals = try (0..<kind.stateCount).map { _ in try Tensor.empty(stateShape, device: input.device) }
        let gates = try Tensor.empty([steps, batch, shape.savedWidth], device: input.device)
        let previousH = try Tensor.empty(sequenceShape, device: input.device)
        let previousC = lstm ? try Tensor.empty(sequenceShape, device: input.device) : nil
        let storage = try RecurrentStorage(
            projected: projected.storage, weightHH: weightHH.storage, biasHH: biasHH?.storage,
            lengths: deviceLengths?.storage, initialH: initialState[0].storage,
            initialC: lstm ? initialState[1].storage : nil, output: output.storage,
            finalH: finals[0].storage, finalC: lstm ? finals[1].storage : nil,
            gates: gates.storage, previousH: previousH.storage, previousC: previousC?.storage)
        try backend.recurrentForward(shape, storage)
        // The backward never reads the projection: keeping the gates in its place lets it go with this call.
        var saved = storage
        saved.projected = try gates.storage

        let inputs = [input] + initialState + [weightIH, weightHH] + [biasIH, biasHH].compactMap { $0 }
        // The backward keeps the forward's gates and states, never its outputs (which hold the node).
        let read = SavedForBackward.only([input] + initialState + [weightIH, weightHH])
        let outputs = record(outputs: [output] + finals, op: op, inputs: inputs, saving: read) { gradOutputs, _ in
            try CPUBackend.withOwnThreads {
                let gradients = RecurrentGradients(
                    projected: try Tensor.empty([steps, batch, gateWidth], device: input.device).storage,
                    hiddenProjection: kind == .gru
                        ? try Tensor.empty([steps, batch, gateWidth], device: input.device).storage : nil,
                    initialH: try Tensor.empty(stateShape, device: input.device).storage,
                    initialC: lstm ? try Tensor.empty(stateShape, device: input.device).storage : nil)
                try backend.recurrentBackward(
                    shape, saved, gradOutput: gradOutputs[0]?.storage, gradFinalH: gradOutputs[1]?.storage,
                    gradFinalC: lstm ? gradOutputs[2]?.storage : nil, into: gradients)
                let dProjected = Tensor(shape: [steps * batch, gateWidth], device: input.device, storage: gradients.projected)
                let dHidden =
                    gradients.hiddenProjection.map {
                        Tensor(shape: [steps * batch, gateWidth], device: input.device, storage: $0)
                    }
                    ?? dProjected
                // Sums over every step and sequence: one GEMM each.
                func product(_ a: Tensor, _ b: Tensor, columns: Int) throws -> Tensor {
                    let result = try Tensor.empty([gateWidth, columns], device: input.device)
                    try backend.gemm(
                        GemmDescriptor(m: gateWidth, n: columns, k: steps * batch, transposeA: true),
                        a: a.storage, b: b.storage, c: result.storage)
                    return result
                }
                func columnSums(_ gradient: Tensor) throws -> Tensor {
                    let ones = try Tensor.ones([steps * batch], device: input.device),
                        sums = try Tensor.empty([gateWidth], device: input.device)
                    try backend.gemm(
                        GemmDescriptor(m: 1, n: gateWidth, k: steps * batch), a: ones.storage, b: gradient.storage,
                        c: sums.storage)
                    return sums
                }
                var grads: [Gradient?] = []
                if input.requiresGrad {
                    let dx = try Tensor.empty(input.shape, device: input.device)
                    try backend.gemm(
                        GemmDescriptor(m: steps * batch, n: inputSize, k: gateWidth), a: dProjected.storage,
                        b: weightIH.storage, c: dx.storage)
                    grads.append(.dense(dx))
                } else {
                    grads.append(nil)
                }
                grads.append(.dense(Tensor(shape: stateShape, device: input.device, storage: gradients.initialH)))
                if let dc = gradients.initialC {
                    grads.append(.dense(Tensor(shape: stateShape, device: input.device, storage: dc)))
                }
                grads.append(weightIH.requiresGrad ? .dense(try product(dProjected, input, columns: inputSize)) : nil)
                grads.append(weightHH.requiresGrad ? .dense(try product(dHidden, previousH, columns: hidden)) : nil)
                if let biasIH { grads.append(biasIH.requiresGrad ? .dense(try columnSums(dProjected)) : nil) }
                if let biasHH { grads.append(biasHH.requiresGrad ? .dense(try columnSums(dHidden)) : nil) }
                return grads
            }
        }
        return (outputs[0], Array(outputs.dropFirst()))
    }

    /// `lengths` as Int32 storage on `device`: [batch] whole numbers, checked to lie in 1...steps when they are on the CPU.
    private static func sequenceLengths(_ lengths: Tensor, steps: Int, batch: Int, device: Device, op: String) throws -> Tensor {
        guard lengths.shape == Shape([batch]) else {
            throw FoveaError.invalidArgument("\(op): lengths of shape \(lengths.shape) are not one per sequence [\(batch)]")
        }
        let whole = try lengths.dtype == .int32 ? lengths : lengths.to(dtype: .int32)
        guard whole.device == .cpu else {
            guard whole.device == device else { throw FoveaError.deviceMismatch(op: op + " lengths", device, whole.device) }
            return whole
        }
        let values = try whole.toInt32Array()
        if let bad = values.first(where: { $0 < 1 || Int($0) > steps }) {
            throw FoveaError.invalidArgument(
                "\(op): sequence length \(bad) is outside 1...\(steps) (the padded sequence's steps)")
        }
        return try whole.to(device)
    }
}
