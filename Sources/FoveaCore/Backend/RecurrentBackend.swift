/// The recurrence of a simple RNN, an LSTM or a GRU. The raw values are shared with `Kernels/rnn.cl` (`-DCELL=`).
public enum RecurrentKind: Int, Sendable, CaseIterable {
    case rnnTanh = 0, rnnRelu, lstm, gru

    /// Gate blocks stacked in the weights' first axis: LSTM i, f, g, o; GRU r, z, n; one for a simple RNN.
    public var gates: Int {
        switch self {
        case .lstm: 4
        case .gru: 3
        case .rnnTanh, .rnnRelu: 1
        }
    }

    /// The tensors of the state: [h, c] for an LSTM, [h] otherwise.
    public var stateCount: Int { self == .lstm ? 2 : 1 }

    /// Values per hidden unit the forward keeps for the backward: LSTM i, f, g, o; GRU r, z, n and W_hn h + b_hn;
    /// a simple RNN its output h.
    public var savedValues: Int { self == .gru ? 4 : gates }
}

/// The sizes of one layer and direction of a recurrent network over a sequence.
public struct RecurrentShape: Sendable, Equatable {
    public var kind: RecurrentKind
    public var steps: Int, batch: Int, hidden: Int
    /// Runs from the last step to the first (a bidirectional layer's reverse direction).
    public var reverse: Bool
    /// With lengths: sequences end at the last step, padded at the front (Keras' "pre" padding), rather than start at
    /// the first.
    public var paddedAtFront: Bool

    public init(kind: RecurrentKind, steps: Int, batch: Int, hidden: Int, reverse: Bool, paddedAtFront: Bool = false) {
        self.kind = kind; self.steps = steps; self.batch = batch; self.hidden = hidden; self.reverse = reverse
        self.paddedAtFront = paddedAtFront
    }

    /// Columns of the projections: gates * hidden.
    public var gateWidth: Int { kind.gates * hidden }
    /// Columns of the saved gates: savedValues * hidden.
    public var savedWidth: Int { kind.savedValues * hidden }
    /// The time step processed at position `position` (0 first): `position`, or counted from the end when reverse.
    @inline(__always)
    public func step(at position: Int) -> Int { reverse ? steps - 1 - position : position }
}

/// The storage of one layer and direction's recurrence, all Float32 but `lengths`, sequence-first and contiguous.
public struct RecurrentStorage {
    /// x_t W_ih^T + b_ih of every step [steps, batch, gateWidth] (read by the forward only).
    public var projected: Storage
    /// W_hh [gateWidth, hidden] and b_hh [gateWidth] (nil without bias).
    public var weightHH: Storage, biasHH: Storage?
    /// Int32 [batch]: sequence b has its elements at steps 0 ..< lengths[b] (steps - lengths[b] ..< steps when
    /// `RecurrentShape.paddedAtFront`; values outside 0...steps act as the nearest end); nil when every sequence fills
    /// every step.
    public var lengths: Storage?
    /// h_0 and (LSTM) c_0 [batch, hidden].
    public var initialH: Storage, initialC: Storage?
    /// Written by the forward: the output [steps, batch, hidden] (zero at steps past a sequence's end) and the final
    /// states h_n, c_n [batch, hidden] (each sequence's state after its last element).
    public var output: Storage, finalH: Storage, finalC: Storage?
    /// Written by the forward for the backward: the gates [steps, batch, savedWidth] (see `RecurrentKind.savedValues`)
    /// and the states each step started from, previousH and (LSTM) previousC [steps, batch, hidden].
    public var gates: Storage, previousH: Storage, previousC: Storage?

    public init(
        projected: Storage, weightHH: Storage, biasHH: Storage?, lengths: Storage?, initialH: Storage, initialC: Storage?,
        output: Storage, finalH: Storage, finalC: Storage?, gates: Storage, previousH: Storage, previousC: Storage?
    ) {
        self.projected = projected; self.weightHH = weightHH; self.biasHH = biasHH; self.lengths = lengths
        self.initialH = initialH; self.initialC = initialC
        self.output = output; self.finalH = finalH; self.finalC = finalC
        self.gates = gates; self.previousH = previousH; self.previousC = previousC
    }
}

/// The gradients the backward of one recurrence writes.
public struct RecurrentGradients {
    /// d(x_t W_ih^T + b_ih) [steps, batch, gateWidth]: zero at steps past a sequence's end.
    public var projected: Storage
    /// d(h_{t-1} W_hh^T + b_hh) [steps, batch, gateWidth], for a GRU only (whose reset gate scales the n block of it);
    /// for the other kinds it equals `projected`.
    public var hiddenProjection: Storage?
    /// dh_0 and (LSTM) dc_0 [batch, hidden].
    public var initialH: Storage, initialC: Storage?

    public init(projected: Storage, hiddenProjection: Storage?, initialH: Storage, initialC: Storage?) {
        self.projected = projected; self.hiddenProjection = hiddenProjection; self.initialH = initialH; self.initialC = initialC
    }
}

/// Recurrent layers over a whole sequence, as cuDNN's RNN: each step is one GEMM for the recurrent projection and one
/// fused cell (gate activations, state update, masking past each sequence's end). Past its end a sequence's state is
/// carried unchanged and its output is zero, so a reverse direction starts at each sequence's own last element.
public protocol RecurrentBackend: AnyObject {
    /// Runs the recurrence over every step, writing the output, the final states and what the backward keeps.
    func recurrentForward(_ shape: RecurrentShape, _ storage: RecurrentStorage) throws

    /// Back-propagates through time from the gradients of the output and of the final states (nil: zero), with what
    /// the forward kept in `storage`, writing `gradients`.
    func recurrentBackward(
        _ shape: RecurrentShape, _ storage: RecurrentStorage, gradOutput: Storage?, gradFinalH: Storage?,
        gradFinalC: Storage?, into gradients: RecurrentGradients) throws
}
