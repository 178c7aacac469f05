import CVectorKernels

/// The recurrence as one loop per block of sequences: batch rows never interact, so each core runs its rows through
/// every step (one GEMM of its rows by W_hh^T, then the fused cell, eight hidden units at a time) with no barrier.
/// The per-step products multiply by W_hh (or its transpose) packed once per sequence (`PackedMatrix`).
extension CPUBackend: RecurrentBackend {

    public func recurrentForward(_ shape: RecurrentShape, _ storage: RecurrentStorage) throws {
        let p = RecurrentPointers(shape, storage)
        let (hidden, batch, width, gateWidth) = (shape.hidden, shape.batch, shape.savedWidth, shape.gateWidth)
        let weightT = PackedMatrix(k: hidden, n: gateWidth, p.weightHH, ldb: hidden, transposed: true, parallel: true)
        forEachBlock(shape) { rows in
            let first = rows.lowerBound, count = rows.count
            Self.copy(
                p.initialH + first * hidden, to: p.previousH + (shape.step(at: 0) * batch + first) * hidden, count: count * hidden
            )
            if let c0 = p.initialC, let previousC = p.previousC {
                Self.copy(
                    c0 + first * hidden, to: previousC + (shape.step(at: 0) * batch + first) * hidden, count: count * hidden)
            }
            for position in 0..<shape.steps {
                let t = shape.step(at: position), at = t * batch + first
                // The recurrent projection h_{t-1} W_hh^T into the first gates * hidden columns of the step's gates.
                weightT.multiply(m: count, p.previousH + at * hidden, lda: hidden, beta: 0, p.gates + at * width, ldc: width)
                let next = position + 1 < shape.steps ? (shape.step(at: position + 1) * batch + first) * hidden : -1
                for row in 0..<count {
                    let b = first + row
                    let nextH = next < 0 ? p.finalH + b * hidden : p.previousH + next + row * hidden
                    let nextC = next < 0 ? p.finalC.map { $0 + b * hidden } : p.previousC.map { $0 + next + row * hidden }
                    Self.cellForward(shape, p, step: t, row: b, valid: p.isValid(step: t, row: b), nextH: nextH, nextC: nextC)
                }
            }
        }
    }

    public func recurrentBackward(
        _ shape: RecurrentShape, _ storage: RecurrentStorage, gradOutput: Storage?, gradFinalH: Storage?,
        gradFinalC: Storage?, into gradients: RecurrentGradients
    ) throws {
        let p = RecurrentPointers(shape, storage)
        let (hidden, batch, gateWidth) = (shape.hidden, shape.batch, shape.gateWidth)
        let dy = gradOutput.map(Self.pointer), dhN = gradFinalH.map(Self.pointer), dcN = gradFinalC.map(Self.pointer)
        let dProjected = Self.pointer(gradients.projected)
        let dHidden = gradients.hiddenProjection.map(Self.pointer) ?? dProjected
        let dh = Self.pointer(gradients.initialH), dc = gradients.initialC.map(Self.pointer)
        let weight = PackedMatrix(k: gateWidth, n: hidden, p.weightHH, ldb: hidden, transposed: false, parallel: true)
        forEachBlock(shape) { rows in
            let first = rows.lowerBound, count = rows.count
            // dh and dc carry the gradient of the state between steps and end as dh_0 and dc_0.
            let carries: [(UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?)] = [(dh, dhN), (dc, dcN)]
            for case let (carry?, start) in carries {
                if let start {
                    Self.copy(start + first * hidden, to: carry + first * hidden, count: count * hidden)
                } else {
                    Self.zero(carry + first * hidden, count: count * hidden)
                }
            }
            for position in (0..<shape.steps).reversed() {
                let t = shape.step(at: position), at = t * batch + first
                for b in rows {
                    Self.cellBackward(
                        shape, p, step: t, row: b, valid: p.isValid(step: t, row: b), gradOutput: dy,
                        dh: dh + b * hidden, dc: dc.map { $0 + b * hidden },
                        dProjected: dProjected + (t * batch + b) * gateWidth, dHidden: dHidden + (t * batch + b) * gateWidth)
                }
                // dh_{t-1} += d(h_{t-1} W_hh^T) W_hh
                weight.multiply(m: count, dHidden + at * gateWidth, lda: gateWidth, beta: 1, dh + first * hidden, ldc: hidden)
            }
        }
    }

    /// Runs `body` on blocks of batch rows, one per core when each block's GEMMs are big enough to be worth a thread.
    private func forEachBlock(_ shape: RecurrentShape, _ body: (Range<Int>) -> Void) {
        let rowWork = shape.steps * shape.gateWidth * shape.hidden
        let parts = min(Self.workers, max(1, shape.batch * rowWork / Self.gemmGrain))
        parallelParts(shape.batch, parts: parts) { _, rows in body(rows) }
    }

    /// One step of one sequence: the gates from the projections, then the new state, or the old one carried past the
    /// sequence's end (where the output is zero).
    @inline(__always)
    private static func cellForward(
        _ shape: RecurrentShape, _ p: RecurrentPointers, step t: Int, row b: Int, valid: Bool,
        nextH: UnsafeMutablePointer<Float>, nextC: UnsafeMutablePointer<Float>?
    ) {
        let hidden = shape.hidden, at = t * shape.batch + b
        let x = p.projected + at * shape.gateWidth, g = p.gates + at * shape.savedWidth
        let hPrevious = p.previousH + at * hidden, out = p.output + at * hidden
        let zero = SIMD8<Float>(repeating: 0)
        @inline(__always) func bias(_ offset: Int, _ w: Int) -> SIMD8<Float> {
            p.biasHH.map { load($0 + offset, width: w) } ?? zero
        }
        @inline(__always) func finish(_ h: SIMD8<Float>, _ j: Int, _ w: Int) {
            store(valid ? h : zero, out + j, width: w)
            store(valid ? h : load(hPrevious + j, width: w), nextH + j, width: w)
        }
        switch shape.kind {
        case .rnnTanh, .rnnRelu:
            lanes(hidden) { j, w in
                let pre = load(x + j, width: w) + load(g + j, width: w) + bias(j, w)
                let h = shape.kind == .rnnTanh ? vectorTanh(pre) : pre.replacing(with: 0, where: pre .< 0)
                store(h, g + j, width: w)
                finish(h, j, w)
            }
        case .lstm:
            // In C, at the CPU's widest SIMD level (AVX-512: sixteen lanes against these loops' eight in SSE).
            fovea_lstm_cell_forward(
                simdLevel, Int32(hidden), x, g, p.biasHH, p.previousC! + at * hidden, hPrevious, valid ? 1 : 0, out, nextH,
                nextC)
        case .gru:
            lanes(hidden) { j, w in
                let hr = load(g + j, width: w) + bias(j, w), hz = load(g + hidden + j, width: w) + bias(hidden + j, w)
                let hn = load(g + 2 * hidden + j, width: w) + bias(2 * hidden + j, w)
                let r = vectorSigmoid(load(x + j, width: w) + hr), z = vectorSigmoid(load(x + hidden + j, width: w) + hz)
                let n = vectorTanh(load(x + 2 * hidden + j, width: w) + r * hn)
                store(r, g + j, width: w); store(z, g + hidden + j, width: w)
                store(n, g + 2 * hidden + j, width: w); store(hn, g + 3 * hidden + j, width: w)
                finish(n + z * (load(hPrevious + j, width: w) - n), j, w)
            }
        }
    }

    /// One step of one sequence backward: the gradients of the step's projections from dh (the carried gradient plus
    /// the output's) and dc; dh and dc become what flows to the previous state apart from the GEMM by W_hh. Past the
    /// sequence's end the projections get zero and dh, dc pass through.
    @inline(__always)
    private static func cellBackward(
        _ shape: RecurrentShape, _ p: RecurrentPointers, step t: Int, row b: Int, valid: Bool,
        gradOutput: UnsafeMutablePointer<Float>?, dh: UnsafeMutablePointer<Float>,
        dc: UnsafeMutablePointer<Float>?, dProjected: UnsafeMutablePointer<Float>,
        dHidden: UnsafeMutablePointer<Float>
    ) {
        let hidden = shape.hidden, at = t * shape.batch + b
        guard valid else {
            zero(dProjected, count: shape.gateWidth)
            if dHidden != dProjected { zero(dHidden, count: shape.gateWidth) }
            return
        }
        let g = p.gates + at * shape.savedWidth
        let dy = gradOutput.map { $0 + at * hidden }
        @inline(__always) func incoming(_ j: Int, _ w: Int) -> SIMD8<Float> {
            load(dh + j, width: w) + (dy.map { load($0 + j, width: w) } ?? SIMD8(repeating: 0))
        }
        switch shape.kind {
        case .rnnTanh, .rnnRelu:
            lanes(hidden) { j, w in
                let h = load(g + j, width: w), d = incoming(j, w)
                let derivative = shape.kind == .rnnTanh ? 1 - h * h : SIMD8(repeating: 1).replacing(with: 0, where: h .<= 0)
                store(d * derivative, dProjected + j, width: w)
                store(SIMD8(repeating: 0), dh + j, width: w)
            }
        case .lstm:
            fovea_lstm_cell_backward(simdLevel, Int32(hidden), g, p.previousC! + at * hidden, dy, dh, dc!, dProjected)
        case .gru:
            let hPrevious = p.previousH + at * hidden
            lanes(hidden) { j, w in
                let r = load(g + j, width: w), z = load(g + hidden + j, width: w)
                let n = load(g + 2 * hidden + j, width: w), hn = load(g + 3 * hidden + j, width: w)
                let d = incoming(j, w)
                let dn = d * (1 - z) * (1 - n * n)
                let dr = dn * hn * r * (1 - r), dz = d * (load(hPrevious + j, width: w) - n) * z * (1 - z)
                store(dr, dProjected + j, width: w); store(dz, dProjected + hidden + j, width: w)
                store(dn, dProjected + 2 * hidden + j, width: w)
                store(dr, dHidden + j, width: w); store(dz, dHidden + hidden + j, width: w)
                store(dn * r, dHidden + 2 * hidden + j, width: w)
                store(d * z, dh + j, width: w)
            }
        }
    }
}

/// The host pointers of a `RecurrentStorage`.
private struct RecurrentPointers {
    let projected, weightHH, initialH, output, finalH, gates, previousH: UnsafeMutablePointer<Float>
    let biasHH, initialC, finalC, previousC: UnsafeMutablePointer<Float>?
    let lengths: UnsafeMutablePointer<Int32>?

    /// Steps, when sequences are padded at the front (they end at the last step); 0 when they start at the first.
    let front: Int

    init(_ shape: RecurrentShape, _ s: RecurrentStorage) {
        front = shape.paddedAtFront ? shape.steps : 0
        projected = CPUBackend.pointer(s.projected); weightHH = CPUBackend.pointer(s.weightHH)
        initialH = CPUBackend.pointer(s.initialH); output = CPUBackend.pointer(s.output); finalH = CPUBackend.pointer(s.finalH)
        gates = CPUBackend.pointer(s.gates); previousH = CPUBackend.pointer(s.previousH)
        biasHH = s.biasHH.map(CPUBackend.pointer); initialC = s.initialC.map(CPUBackend.pointer)
        finalC = s.finalC.map(CPUBackend.pointer); previousC = s.previousC.map(CPUBackend.pointer)
        lengths = s.lengths.map(CPUBackend.int32Pointer)
    }

    /// Whether step t holds an element of sequence b: t < length, or t >= steps - length when padded at the front.
    @inline(__always)
    func isValid(step t: Int, row b: Int) -> Bool {
        lengths.map { front == 0 ? t < Int($0[b]) : t >= front - Int($0[b]) } ?? true
    }
}
