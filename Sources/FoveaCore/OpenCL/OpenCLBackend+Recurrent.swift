/// The recurrence as a stream of kernels on the queue, nothing read back: per step one GEMM by W_hh and one launch of
/// the fused cell (`Kernels/rnn.cl`, specialized with `-DCELL=`), forward and backward.
extension OpenCLBackend: RecurrentBackend {
    public func recurrentForward(_ shape: RecurrentShape, _ s: RecurrentStorage) throws {
        let (hidden, batch) = (shape.hidden, shape.batch), stateCount = batch * hidden
        let first = shape.step(at: 0) * stateCount
        try copy(from: s.initialH, offset: 0, to: s.previousH, offset: first, count: stateCount)
        if let c0 = s.initialC, let previousC = s.previousC {
            try copy(from: c0, offset: 0, to: previousC, offset: first, count: stateCount)
        }
        var projection = GemmDescriptor(m: batch, n: shape.gateWidth, k: hidden, transposeB: true)
        projection.ldc = shape.savedWidth
        for position in 0..<shape.steps {
            let t = shape.step(at: position), last = position + 1 == shape.steps
            projection.offsetA = t * stateCount
            projection.offsetC = t * batch * shape.savedWidth
            try gemm(projection, a: s.previousH, b: s.weightHH, c: s.gates)
            let next = last ? 0 : shape.step(at: position + 1) * stateCount
            try run(
                "rnn_cell_forward", in: "rnn", options: "-DCELL=\(shape.kind.rawValue)", global: [hidden, batch],
                .buffer(s.projected), .int(t * batch * shape.gateWidth), .buffer(s.gates), .int(projection.offsetC),
                .buffer(s.biasHH ?? s.gates), .int(s.biasHH == nil ? 0 : 1),
                .buffer(s.lengths ?? s.gates), .int(s.lengths == nil ? 0 : 1),
                .int(shape.paddedAtFront ? shape.steps : 0), .int(t),
                .buffer(s.previousH), .buffer(s.previousC ?? s.gates), .buffer(s.output), .int(t * stateCount),
                .buffer(last ? s.finalH : s.previousH), .buffer((last ? s.finalC : s.previousC) ?? s.gates), .int(next),
                .int(hidden))
        }
    }

    public func recurrentBackward(
        _ shape: RecurrentShape, _ s: RecurrentStorage, gradOutput: Storage?, gradFinalH: Storage?,
        gradFinalC: Storage?, into gradients: RecurrentGradients
    ) throws {
        let (hidden, batch) = (shape.hidden, shape.batch), stateCount = batch * hidden
        // dh and dc carry the gradient of the state between steps and end as dh_0 and dc_0.
        let carries: [(Storage?, Storage?)] = [(gradients.initialH, gradFinalH), (gradients.initialC, gradFinalC)]
        for case let (carry?, start) in carries {
            if let start {
                try copy(from: start, offset: 0, to: carry, offset: 0, count: stateCount)
            } else {
                try fill(carry, offset: 0, count: stateCount, value: 0)
            }
        }
        let dHidden = gradients.hiddenProjection ?? gradients.projected
        var back = GemmDescriptor(m: batch, n: hidden, k: shape.gateWidth, beta: 1)
        for position in (0..<shape.steps).reversed() {
            let t = shape.step(at: position)
            try run(
                "rnn_cell_backward", in: "rnn", options: "-DCELL=\(shape.kind.rawValue)", global: [hidden, batch],
                .buffer(s.gates), .int(t * batch * shape.savedWidth),
                .buffer(s.previousH), .buffer(s.previousC ?? s.gates),
                .buffer(gradOutput ?? s.gates), .int(gradOutput == nil ? 0 : 1), .int(t * stateCount),
                .buffer(s.lengths ?? s.gates), .int(s.lengths == nil ? 0 : 1),
                .int(shape.paddedAtFront ? shape.steps : 0), .int(t),
                .buffer(gradients.initialH), .buffer(gradients.initialC ?? gradients.initialH),
                .buffer(gradients.projected), .buffer(dHidden), .int(t * batch * shape.gateWidth), .int(hidden))
            // dh_{t-1} += d(h_{t-1} W_hh^T) W_hh
            back.offsetA = t * batch * shape.gateWidth
            try gemm(back, a: dHidden, b: s.weightHH, c: gradients.initialH)
        }
    }
}
