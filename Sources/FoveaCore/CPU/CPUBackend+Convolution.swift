/// Convolution on the host, by the algorithm `CPUConvolutionAlgorithm.choice(for:pass:)` picks for each pass and shape,
/// and the column primitives of `ConvolutionBackend`'s default passes.
extension CPUBackend: ConvolutionBackend {
    public func conv2d(_ x: Storage, weight: Storage, bias: Storage?, geometry g: ConvolutionGeometry, into y: Storage) throws {
        try selectingAlgorithm(g, pass: .forward) {
            try conv2d(x, weight: weight, bias: bias, geometry: g, into: y, algorithm: $0)
        }
    }

    public func conv2dBackwardData(
        _ gradOutput: Storage, weight: Storage, geometry g: ConvolutionGeometry, into gradInput: Storage
    ) throws {
        try selectingAlgorithm(g, pass: .backwardData) {
            try conv2dBackwardData(gradOutput, weight: weight, geometry: g, into: gradInput, algorithm: $0)
        }
    }

    public func conv2dBackwardWeight(
        _ gradOutput: Storage, input: Storage, geometry g: ConvolutionGeometry, into gradWeight: Storage
    ) throws {
        try selectingAlgorithm(g, pass: .backwardWeight) {
            try conv2dBackwardWeight(gradOutput, input: input, geometry: g, into: gradWeight, algorithm: $0)
        }
    }

    /// Runs `body` with the algorithm `convolutionSelection` picks for `pass` of `g`.
    private func selectingAlgorithm(
        _ g: ConvolutionGeometry, pass: ConvolutionPass, _ body: (CPUConvolutionAlgorithm) throws -> Void
    ) throws {
        let rule = CPUConvolutionAlgorithm.choice(for: g, pass: pass)
        switch convolutionSelection {
        case .rule: try body(rule)
        case .measured: try convolutionTimer.run(g, pass: pass, rule: rule, body)
        }
    }

    /// `conv2d` by a given algorithm; throws when it does not support the geometry.
    public func conv2d(
        _ x: Storage, weight: Storage, bias: Storage?, geometry g: ConvolutionGeometry, into y: Storage,
        algorithm: CPUConvolutionAlgorithm
    ) throws {
        switch try checked(algorithm, g, pass: .forward) {
        case .columns: try columnsConv2d(x, weight: weight, bias: bias, geometry: g, into: y)
        case .winograd: try winogradConv2d(x, weight: weight, bias: bias, geometry: g, tile: 2, into: y)
        case .winograd4: try winogradConv2d(x, weight: weight, bias: bias, geometry: g, tile: 4, into: y)
        case .direct: try directConv2d(x, weight: weight, bias: bias, geometry: g, into: y)
        }
    }

    /// `conv2dBackwardData` by a given algorithm; throws when it does not support the geometry.
    public func conv2dBackwardData(
        _ gradOutput: Storage, weight: Storage, geometry g: ConvolutionGeometry, into gradInput: Storage,
        algorithm: CPUConvolutionAlgorithm
    ) throws {
        switch try checked(algorithm, g, pass: .backwardData) {
        case .columns: try columnsConv2dBackwardData(gradOutput, weight: weight, geometry: g, into: gradInput)
        case .winograd: try winogradConv2dBackwardData(gradOutput, weight: weight, geometry: g, tile: 2, into: gradInput)
        case .winograd4: try winogradConv2dBackwardData(gradOutput, weight: weight, geometry: g, tile: 4, into: gradInput)
        case .direct: try directConv2dBackwardData(gradOutput, weight: weight, geometry: g, into: gradInput)
        }
    }

    /// `conv2dBackwardWeight` by a given algorithm; throws when it does not support the geometry.
    public func conv2dBackwardWeight(
        _ gradOutput: Storage, input: Storage, geometry g: ConvolutionGeometry, into gradWeight: Storage,
        algorithm: CPUConvolutionAlgorithm
    ) throws {
        switch try checked(algorithm, g, pass: .backwardWeight) {
        case .columns: try columnsConv2dBackwardWeight(gradOutput, input: input, geometry: g, into: gradWeight)
        case .winograd: try winogradConv2dBackwardWeight(gradOutput, input: input, geometry: g, tile: 2, into: gradWeight)
        case .direct: try directConv2dBackwardWeight(gradOutput, input: input, geometry: g, into: gradWeight)
        case .winograd4: try winogradConv2dBackwardWeight(gradOutput, input: input, geometry: g, tile: 4, into: gradWeight)
        }
    }

    /// `algorithm`, or a clear error when it does not compute `pass` of `g`.
    private func checked(_ algorithm: CPUConvolutionAlgorithm, _ g: ConvolutionGeometry, pass: ConvolutionPass) throws
        -> CPUConvolutionAlgorithm
    {
        let op =
            switch pass {
            case .forward: "conv2d"
            case .backwardData: "conv2d backward-data"
            case .backwardWeight: "conv2d backward-weight"
            }
        // Every algorithm computes the forward of the geometries it supports.
        guard algorithm.supports(g, pass: .forward) else {
            throw FoveaError.invalidArgument(
                "\(op): the \(algorithm) algorithm does not support kernel \(g.kernel), stride \(g.stride), "
                    + "dilation \(g.dilation), groups \(g.groups)")
        }
        guard algorithm.supports(g, pass: pass) else {
            throw FoveaError.invalidArgument("\(op): the \(algorithm) algorithm does not compute this pass")
        }
        return algorithm
    }

    public func conv2dBackwardBias(_ gradOutput: Storage, geometry g: ConvolutionGeometry, into gradBias: Storage) throws {
        let src = Self.pointer(gradOutput), dst = Self.pointer(gradBias)
        let (channels, plane) = (g.outChannels, g.outputPlane)
        if plane == 1 {  // rows of features (a fully connected layer's bias): column sums, row after row
            return parallelFor(channels, grain: max(64, 16_384 / max(g.batch, 1))) { range in
                for oc in range { dst[oc] = 0 }
                for n in 0..<g.batch {
                    let row = src + n * channels
                    for oc in range { dst[oc] += row[oc] }
                }
            }
        }
        parallelFor(channels, grain: max(1, 16_384 / max(g.batch * plane, 1))) { range in
            for oc in range {
                var total: Float = 0
                for n in 0..<g.batch { total += Self.sum(src + (n * channels + oc) * plane, count: plane) }
                dst[oc] = total
            }
        }
    }

    public func im2col(_ x: Storage, geometry g: ConvolutionGeometry, batchStart: Int, batchCount: Int, into columns: Storage)
        throws
    {
        let src = Self.pointer(x), dst = Self.pointer(columns)
        let (channels, m, rows) = (g.inChannels, batchCount * g.outputPlane, g.kernel.height * g.kernel.width)
        parallelFor(batchCount * channels, grain: max(1, 16_384 / max(rows * g.outputPlane, 1))) { range in
            for item in range {
                let n = item / channels, c = item % channels
                Self.unfold(
                    src + (batchStart + n) * channels * g.height * g.width, g, channels: c..<c + 1,
                    into: .rows(dst + c * rows * m + n * g.outputPlane, rowStride: m))
            }
        }
    }

    /// Accumulates each input plane from its column rows on one thread per plane: deterministic without atomics.
    public func col2im(
        _ columns: Storage, geometry g: ConvolutionGeometry, batchStart: Int, batchCount: Int, into gradInput: Storage
    ) throws {
        let src = Self.pointer(columns), dst = Self.pointer(gradInput)
        let (channels, m, rows) = (g.inChannels, batchCount * g.outputPlane, g.kernel.height * g.kernel.width)
        parallelFor(batchCount * channels, grain: max(1, 16_384 / max(rows * g.outputPlane, 1))) { range in
            for item in range {
                let n = item / channels, c = item % channels
                Self.fold(
                    src + c * rows * m + n * g.outputPlane, rowStride: m, g, channels: c..<c + 1,
                    into: dst + (batchStart + n) * channels * g.height * g.width)
            }
        }
    }

    public func convScatterOutput(
        _ rows: Storage, bias: Storage?, geometry g: ConvolutionGeometry,
        batchStart: Int, batchCount: Int, into y: Storage
    ) throws {
        let src = Self.pointer(rows), dst = Self.pointer(y), biasValues = bias.map { Self.pointer($0) }
        let (channels, plane) = (g.outChannels, g.outputPlane)
        parallelFor(batchCount * channels, grain: max(1, 16_384 / max(plane, 1))) { range in
            for item in range {
                let n = item / channels, oc = item % channels
                let s = src + oc * batchCount * plane + n * plane, d = dst + ((batchStart + n) * channels + oc) * plane
                d.update(from: s, count: plane)
                if let biasValues { Self.add(biasValues[oc], to: d, count: plane) }
            }
        }
    }

    public func convGatherOutput(
        _ gradOutput: Storage, geometry g: ConvolutionGeometry,
        batchStart: Int, batchCount: Int, into rows: Storage
    ) throws {
        let src = Self.pointer(gradOutput), dst = Self.pointer(rows)
        let (channels, plane) = (g.outChannels, g.outputPlane)
        parallelFor(batchCount * channels, grain: max(1, 16_384 / max(plane, 1))) { range in
            for item in range {
                let n = item / channels, oc = item % channels
                (dst + oc * batchCount * plane + n * plane).update(
                    from: src + ((batchStart + n) * channels + oc) * plane, count: plane)
            }
        }
    }
}
