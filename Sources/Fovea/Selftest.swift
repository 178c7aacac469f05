import Foundation

/// Runs every op's forward and backward on a device and on the CPU backend with the same random inputs and compares them
/// (`fovea selftest`). Inputs and upstream gradients are generated on the CPU and copied to the device, so any difference
/// comes from the device's kernels.
public enum Selftest {
    /// How far a device value may be from the CPU's: |device - cpu| <= absolute + relative * |cpu|.
    public struct Tolerance: Sendable {
        public var relative: Float
        public var absolute: Float

        public init(relative: Float, absolute: Float) {
            self.relative = relative
            self.absolute = absolute
        }

        /// Element by element ops: 1e-4 relative.
        public static let elementwise = Tolerance(relative: 1e-4, absolute: 1e-5)
        /// Ops that sum many products (matmul, conv, reductions, norms): 1e-3 relative.
        public static let accumulating = Tolerance(relative: 1e-3, absolute: 1e-4)
        /// Integer-valued results (comparisons, argmax, masks): exact.
        public static let exact = Tolerance(relative: 0, absolute: 0)
    }

    /// The comparison of one result (the forward output, one input's gradient, or a state tensor).
    public struct Comparison: Sendable {
        /// `out`, `d<input>` for a gradient, or the name of a state tensor.
        public var label: String
        /// Largest |device - cpu|.
        public var maxAbsolute: Float
        /// Largest |device - cpu| / |cpu| over the elements where |cpu| is above absolute / relative tolerance (0 if none).
        public var maxRelative: Float
        public var passed: Bool
    }

    /// One op's outcome.
    public struct Result: Sendable {
        public var name: String
        public var comparisons: [Comparison]
        /// Set when the op threw on either backend (then `comparisons` is empty).
        public var error: String?
        public var passed: Bool { error == nil && comparisons.allSatisfy(\.passed) }

        /// `name  PASS  out abs 1.2e-07 rel 3.0e-07  dx abs ...`, one line.
        public var line: String {
            let head = name.padding(toLength: max(name.count, 34), withPad: " ", startingAt: 0) + (passed ? "  PASS" : "  FAIL")
            if let error { return head + "  error: " + error }
            return head
                + comparisons.map { c in
                    "  \(c.label) abs \(String(format: "%.1e", c.maxAbsolute)) rel \(String(format: "%.1e", c.maxRelative))"
                        + (c.passed ? "" : " (!)")
                }.joined()
        }
    }

    /// Compares every op on `device` against the CPU backend, calling `report` after each op; returns all results.
    public static func run(device: Device, seed: UInt64 = 0, report: @escaping (Result) -> Void = { _ in }) throws -> [Result] {
        guard device != .cpu else {
            throw FoveaError.invalidArgument(
                "selftest: device cpu is the CPU backend itself, so there is nothing to compare; "
                    + "choose an OpenCL device (--device opencl or opencl:N)")
        }
        var runner = Runner(device: device, generator: Generator(seed: seed), report: report)
        try runner.runAll()
        return runner.results
    }
}

/// An input of a test case: values generated on the CPU, and whether its gradient is compared.
private struct Input {
    var label: String
    var shape: Shape
    var values: [Float]
    var differentiable: Bool
    /// Int32 inputs hold whole numbers from `values`.
    var dtype: DType = .float32

    func tensor(on device: Device) throws -> Tensor {
        dtype == .int32
            ? try Tensor(int32: values.map { Int32($0) }, shape: shape, device: device)
            : try Tensor(values, shape: shape, device: device, requiresGrad: differentiable)
    }
}

private struct Runner {
    let device: Device
    let generator: Generator
    let report: (Selftest.Result) -> Void
    var results: [Selftest.Result] = []

    init(device: Device, generator: Generator, report: @escaping (Selftest.Result) -> Void) {
        self.device = device
        self.generator = generator
        self.report = report
    }

    // MARK: inputs

    func values(_ shape: Shape, _ low: Float = -1, _ high: Float = 1) throws -> [Float] {
        try Tensor.uniform(shape, low: low, high: high, generator: generator, device: .cpu).toArray()
    }

    func input(_ label: String, _ shape: Shape, _ low: Float = -1, _ high: Float = 1, grad: Bool = true) throws -> Input {
        Input(label: label, shape: shape, values: try values(shape, low, high), differentiable: grad)
    }

    /// Whole numbers in [0, classes) (class indices, or values with many ties), stored as `dtype`.
    func integers(_ label: String, _ shape: Shape, below classes: Int, dtype: DType = .int32) throws -> Input {
        Input(
            label: label, shape: shape,
            values: try values(shape, 0, Float(classes)).map { Swift.min($0.rounded(.down), Float(classes - 1)) },
            differentiable: false, dtype: dtype)
    }

    // MARK: comparison

    static func compare(_ label: String, _ got: [Float], _ want: [Float], _ tolerance: Selftest.Tolerance) -> Selftest.Comparison
    {
        guard got.count == want.count else {
            return .init(
                label: label + " (size \(got.count) vs \(want.count))", maxAbsolute: .infinity, maxRelative: .infinity,
                passed: false)
        }
        var maxAbsolute: Float = 0, maxRelative: Float = 0, passed = true
        let floor = tolerance.relative > 0 ? tolerance.absolute / tolerance.relative : 0
        for (g, w) in zip(got, want) {
            if g.isNaN && w.isNaN { continue }
            let difference = g == w ? 0 : Swift.abs(g - w)
            if !(difference <= tolerance.absolute + tolerance.relative * Swift.abs(w)) { passed = false }
            maxAbsolute = difference.isNaN ? .nan : Swift.max(maxAbsolute, difference)
            if Swift.abs(w) > floor && Swift.abs(w) > 0 { maxRelative = Swift.max(maxRelative, difference / Swift.abs(w)) }
        }
        return .init(label: label, maxAbsolute: maxAbsolute, maxRelative: maxRelative, passed: passed)
    }

    mutating func record(_ name: String, _ body: () throws -> [Selftest.Comparison]) {
        let result: Selftest.Result
        do {
            result = Selftest.Result(name: name, comparisons: try body(), error: nil)
        } catch {
            result = Selftest.Result(name: name, comparisons: [], error: "\(error)")
        }
        results.append(result)
        report(result)
    }

    /// Runs `op` on both backends: compares the first output, each extra output (forward only), and, when the first output
    /// requires grad, every differentiable input's gradient after a backward seeded with the same random upstream gradient.
    mutating func check(
        _ name: String, _ inputs: [Input], _ tolerance: Selftest.Tolerance,
        gradTolerance: Selftest.Tolerance? = nil, extras: [String] = [], _ op: @escaping ([Tensor]) throws -> [Tensor]
    ) {
        let device = self.device
        var upstream: [Float]?
        let generator = self.generator
        func evaluate(on target: Device) throws -> [[Float]] {
            let tensors = try inputs.map { try $0.tensor(on: target) }
            let outputs = try op(tensors)
            var arrays = try outputs.map { $0.dtype == .int32 ? try $0.toInt32Array().map { Float($0) } : try $0.toArray() }
            if outputs[0].requiresGrad {
                if upstream == nil {
                    upstream = try Tensor.uniform(outputs[0].shape, low: -1, high: 1, generator: generator).toArray()
                }
                try outputs[0].backward(Tensor(upstream!, shape: outputs[0].shape, device: target))
                for (input, tensor) in zip(inputs, tensors) where input.differentiable {
                    arrays.append(try tensor.grad?.toArray() ?? [Float](repeating: 0, count: input.shape.count))
                }
            }
            return arrays
        }
        record(name) {
            let want = try evaluate(on: .cpu)
            let got = try evaluate(on: device)
            let labels = ["out"] + extras + inputs.filter(\.differentiable).map { "d" + $0.label }
            guard got.count == want.count, want.count <= labels.count else {
                throw FoveaError.invalidArgument("selftest: \(got.count) results on \(device), \(want.count) on the CPU")
            }
            return (0..<want.count).map { i in
                Runner.compare(labels[i], got[i], want[i], i <= extras.count ? tolerance : (gradTolerance ?? tolerance))
            }
        }
    }

    // MARK: cases

    mutating func runAll() throws {
        try unary()
        try binary()
        try reductions()
        try linearAlgebra()
        try convolutions()
        try pooling()
        try normalization()
        try losses()
        try optimizers()
        try layout()
        try recurrent()
        try random()
    }

    mutating func unary() throws {
        for op in UnaryOp.allCases {
            let (name, low, high, apply) = op.selftestCase
            check(name, [try input("x", [3, 5, 7], low, high)], .elementwise) { [try apply($0[0])] }
        }
    }

    mutating func binary() throws {
        let (a, b): (Shape, Shape) = ([4, 1, 6], [3, 1])
        for op in BinaryOp.allCases {
            let (name, low, apply) = op.selftestCase
            if op.isComparison {
                // Small whole numbers, so ties occur.
                for dtype in DType.allCases {
                    check(
                        "\(name) \(dtype) [4,1,6]·[3,1]",
                        [
                            try integers("a", a, below: 3, dtype: dtype),
                            try integers("b", b, below: 3, dtype: dtype),
                        ], .exact
                    ) { [try apply($0[0], $0[1])] }
                }
                continue
            }
            check(
                "\(name) [4,1,6]·[3,1]", [try input("a", a, low, 2), try input("b", b, op == .div ? 0.5 : -1, 2)],
                .elementwise
            ) { [try apply($0[0], $0[1])] }
            if op.supportsInt32 {
                check("\(name) int32 [4,1,6]·[3,1]", [try integers("a", a, below: 50), try integers("b", b, below: 50)], .exact) {
                    [try apply($0[0], $0[1])]
                }
            }
        }
    }

    mutating func reductions() throws {
        let shape: Shape = [4, 6, 5]
        let axesCases: [([Int]?, Bool)] = [([1], false), ([0, 2], true), (nil, false), ([-1], false)]
        for (axes, keepDims) in axesCases {
            let suffix = " axes \(axes.map { "\($0)" } ?? "all")\(keepDims ? " keepDims" : "")"
            check("sum" + suffix, [try input("x", shape)], .accumulating) { [try $0[0].sum(axes: axes, keepDims: keepDims)] }
            check("mean" + suffix, [try input("x", shape)], .accumulating) { [try $0[0].mean(axes: axes, keepDims: keepDims)] }
            check("max" + suffix, [try input("x", shape)], .elementwise) { [try $0[0].max(axes: axes, keepDims: keepDims)] }
            check("min" + suffix, [try input("x", shape)], .elementwise) { [try $0[0].min(axes: axes, keepDims: keepDims)] }
        }
        for axes in [[1], [0, 2], nil] as [[Int]?] {
            let suffix = " int32 axes \(axes.map { "\($0)" } ?? "all")"
            check("sum" + suffix, [try integers("x", shape, below: 1000)], .exact) { [try $0[0].sum(axes: axes)] }
            check("max" + suffix, [try integers("x", shape, below: 1000)], .exact) { [try $0[0].max(axes: axes)] }
            check("min" + suffix, [try integers("x", shape, below: 1000)], .exact) { [try $0[0].min(axes: axes)] }
        }
        for axis in [0, 1, 2] {
            check("argmax axis \(axis)", [try input("x", shape, grad: false)], .exact) { [try $0[0].argmax(axis: axis)] }
            check("max axis \(axis) values + indices", [try input("x", shape)], .elementwise, extras: ["indices"]) {
                let (values, indices) = try $0[0].max(axis: axis)
                return [values, indices]
            }
        }
    }

    mutating func linearAlgebra() throws {
        check("matmul [9,17]x[17,6]", [try input("a", [9, 17]), try input("b", [17, 6])], .accumulating) {
            [try $0[0].matmul($0[1])]
        }
        check("matmul batched [3,5,7]x[3,7,4]", [try input("a", [3, 5, 7]), try input("b", [3, 7, 4])], .accumulating) {
            [try $0[0].matmul($0[1])]
        }
        check("linear [5,12]->7", [try input("x", [5, 12]), try input("w", [7, 12]), try input("b", [7])], .accumulating) {
            [try $0[0].linear(weight: $0[1], bias: $0[2])]
        }
        check("linear no bias [1,33]->10", [try input("x", [1, 33]), try input("w", [10, 33])], .accumulating) {
            [try $0[0].linear(weight: $0[1])]
        }
        let fusedInputs = [try input("x", [6, 40]), try input("w", [9, 40]), try input("b", [9])]
        check("linear+relu [6,40]->9 (fused)", fusedInputs, .accumulating) {
            [try $0[0].linear(weight: $0[1], bias: $0[2], activation: .relu)]
        }
        check("linear+tanh no bias [3,5,8]->4 (fused)", [try input("x", [3, 5, 8]), try input("w", [4, 8])], .accumulating) {
            [try $0[0].linear(weight: $0[1], activation: .tanh)]
        }
    }

    /// Shapes chosen to take each OpenCL path: direct kernels (groups 1, kernel <= 7x7, patch <= 256 on GPUs, <= 4096 on
    /// CPU devices), im2col + GEMM (groups > 1, kernels above 49 taps, patches above 256 on GPUs), the strided gather for
    /// the input gradient, the split weight gradient (few channel pairs, several images), and conv2d with a fused activation.
    mutating func convolutions() throws {
        struct Case {
            var name: String; var x: Shape; var w: Shape; var stride: Size2D = 1; var padding: Padding = .valid
            var dilation: Size2D = 1; var groups = 1; var bias = true; var activation = ConvolutionActivation.identity
        }
        let cases = [
            Case(name: "conv2d 3x3 pad 1 (direct)", x: [2, 3, 9, 11], w: [4, 3, 3, 3], padding: 1),
            Case(
                name: "conv2d stride 2 pad 2 dil 2 (direct)", x: [2, 4, 13, 12], w: [5, 4, 3, 3], stride: 2, padding: 2,
                dilation: 2),
            Case(name: "conv2d 1x1", x: [3, 8, 5, 5], w: [4, 8, 1, 1], bias: false),
            Case(name: "conv2d same 4x4 (odd padding)", x: [1, 3, 7, 7], w: [2, 3, 4, 4], padding: .same),
            Case(name: "conv2d groups 2 (im2col)", x: [2, 4, 8, 8], w: [6, 2, 3, 3], padding: 1, groups: 2),
            Case(name: "conv2d depthwise stride 2 (im2col)", x: [2, 3, 9, 9], w: [3, 1, 3, 3], stride: 2, groups: 3),
            Case(name: "conv2d 9x9 kernel (im2col)", x: [1, 2, 12, 12], w: [3, 2, 9, 9], padding: [1, 2]),
            Case(name: "conv2d 32ch 3x3 (im2col on GPUs)", x: [2, 32, 6, 6], w: [8, 32, 3, 3], padding: 1),
            Case(name: "conv2d 1 pair batch 7 (split dW)", x: [7, 1, 6, 6], w: [1, 1, 3, 3]),
            Case(
                name: "conv2d+relu 5x5 pad 2 (fused, direct)", x: [3, 2, 12, 12], w: [6, 2, 5, 5], padding: 2, activation: .relu),
            Case(
                name: "conv2d+sigmoid stride 2 no bias (fused)", x: [2, 4, 9, 7], w: [3, 4, 3, 3], stride: 2, padding: 1,
                bias: false,
                activation: .sigmoid),
            Case(
                name: "conv2d+tanh groups 2 (im2col, then tanh)", x: [2, 4, 8, 8], w: [6, 2, 3, 3], padding: 1, groups: 2,
                activation: .tanh),
        ]
        for c in cases {
            var inputs = [try input("x", c.x), try input("w", c.w)]
            if c.bias { inputs.append(try input("b", [c.w[0]])) }
            check(c.name, inputs, .accumulating) { t in
                [
                    try t[0].conv2d(
                        weight: t[1], bias: c.bias ? t[2] : nil, stride: c.stride, padding: c.padding,
                        dilation: c.dilation, groups: c.groups, activation: c.activation)
                ]
            }
        }
    }

    mutating func pooling() throws {
        for kind in PoolKind.allCases {
            // Positive inputs keep L2 away from its kink at 0.
            let (low, high): (Float, Float) = kind == .l2 ? (0.1, 2) : (-2, 2)
            check("\(kind)Pool2d 2x2 (tiled backward)", [try input("x", [2, 3, 8, 10], low, high)], .accumulating) {
                [try $0[0].pool2d(kind, kernel: 2)]
            }
            check("\(kind)Pool2d 3x3 stride 2 pad 1", [try input("x", [2, 3, 9, 10], low, high)], .accumulating) {
                [try $0[0].pool2d(kind, kernel: 3, stride: 2, padding: 1)]
            }
        }
        check("globalAvgPool2d", [try input("x", [3, 5, 7, 6])], .accumulating) { [try $0[0].globalAvgPool2d()] }
    }

    mutating func normalization() throws {
        for axis in [-1, 1] {
            check("softmax axis \(axis)", [try input("x", [3, 5, 7], -3, 3)], .accumulating) { [try $0[0].softmax(axis: axis)] }
            check("logSoftmax axis \(axis)", [try input("x", [3, 5, 7], -3, 3)], .accumulating) {
                [try $0[0].logSoftmax(axis: axis)]
            }
        }
        for shape in [[4, 3, 5, 5], [6, 4]] as [Shape] {
            let channels = shape[1]
            let stats = [
                try input("runningMean", [channels], -1, 1, grad: false),
                try input("runningVar", [channels], 0.5, 2, grad: false),
            ]
            let affine = [try input("x", shape, -2, 2), try input("gamma", [channels], 0.5, 1.5), try input("beta", [channels])]
            check("batchNorm train \(shape.dims)", affine + stats, .accumulating, extras: ["runningMean", "runningVar"]) { t in
                [try t[0].batchNorm(weight: t[1], bias: t[2], runningMean: t[3], runningVar: t[4], training: true), t[3], t[4]]
            }
            check("batchNorm eval \(shape.dims)", affine + stats, .accumulating) { t in
                [try t[0].batchNorm(weight: t[1], bias: t[2], runningMean: t[3], runningVar: t[4], training: false)]
            }
            check(
                "batchNorm+relu train \(shape.dims) (fused)", affine + stats, .accumulating,
                extras: ["runningMean", "runningVar"]
            ) { t in
                [
                    try t[0].batchNorm(weight: t[1], bias: t[2], runningMean: t[3], runningVar: t[4], training: true, relu: true),
                    t[3], t[4],
                ]
            }
            let residual = try input("residual", shape, -2, 2)
            check(
                "batchNorm+add+relu train \(shape.dims) (fused)", affine + [residual] + stats, .accumulating,
                extras: ["runningMean", "runningVar"]
            ) { t in
                [
                    try t[0].batchNorm(
                        weight: t[1], bias: t[2], runningMean: t[4], runningVar: t[5], training: true, residual: t[3], relu: true),
                    t[4], t[5],
                ]
            }
        }
        let dropoutSeed = try UInt64(values([1], 0, 1_000_000)[0])
        check("dropout p 0.3 (same seed)", [try input("x", [5, 7, 9])], .elementwise) {
            [try $0[0].dropout(p: 0.3, generator: Generator(seed: dropoutSeed))]
        }
    }

    mutating func losses() throws {
        let (rows, classes) = (6, 5)
        let source = self
        let logits = { try source.input("logits", [rows, classes], -3, 3) }
        let targets = { try source.integers("targets", [rows], below: classes) }
        let weights = { try source.input("classWeights", [classes], 0.5, 2, grad: false) }
        check("crossEntropy", [try logits(), try targets()], .accumulating) { [try $0[0].crossEntropy(targets: $0[1])] }
        check("crossEntropy weights + smoothing 0.1", [try logits(), try targets(), try weights()], .accumulating) {
            [try $0[0].crossEntropy(targets: $0[1], classWeights: $0[2], labelSmoothing: 0.1)]
        }
        let totals = [try input("lossSum", [], 0, 10, grad: false), try input("correct", [], 0, 10, grad: false)]
        check(
            "crossEntropy + running totals (fused)", [try logits(), try targets()] + totals, .accumulating,
            extras: ["lossSum", "correct"]
        ) { t in
            [try t[0].crossEntropy(targets: t[1], accumulatingLossInto: t[2], correctInto: t[3]), t[2], t[3]]
        }
        check("nllLoss", [try logits(), try targets()], .accumulating) { [try $0[0].nllLoss(targets: $0[1])] }
        check("nllLoss weights", [try logits(), try targets(), try weights()], .accumulating) {
            [try $0[0].nllLoss(targets: $0[1], classWeights: $0[2])]
        }
    }

    /// Three steps of each fused optimizer kernel from the same parameter and gradients; compares the parameter and state.
    mutating func optimizers() throws {
        let shape: Shape = [37]
        typealias Step = (_ param: Tensor, _ grad: Tensor, _ state: [Tensor], _ step: Int) throws -> Void
        let cases: [(String, [String], Step)] = [
            (
                "SGD momentum 0.9 wd 0.01", ["momentumBuffer"],
                { p, g, s, step in
                    try OptimizerKernels.sgd(
                        param: p, grad: g, momentumBuffer: s[0], lr: 0.1, momentum: 0.9, dampening: 0.1,
                        weightDecay: 0.01, isFirstStep: step == 1)
                }
            ),
            (
                "SGD nesterov", ["momentumBuffer"],
                { p, g, s, step in
                    try OptimizerKernels.sgd(
                        param: p, grad: g, momentumBuffer: s[0], lr: 0.1, momentum: 0.9, nesterov: true,
                        isFirstStep: step == 1)
                }
            ),
            (
                "Adam wd 0.01", ["m", "v"],
                { p, g, s, step in
                    try OptimizerKernels.adam(param: p, grad: g, m: s[0], v: s[1], lr: 0.01, weightDecay: 0.01, step: step)
                }
            ),
            (
                "AdamW wd 0.01", ["m", "v"],
                { p, g, s, step in
                    try OptimizerKernels.adam(
                        param: p, grad: g, m: s[0], v: s[1], lr: 0.01, weightDecay: 0.01, decoupled: true, step: step)
                }
            ),
            (
                "RMSProp centered momentum", ["squareAvg", "gradAvg", "momentumBuffer"],
                { p, g, s, _ in
                    try OptimizerKernels.rmsprop(
                        param: p, grad: g, squareAvg: s[0], gradAvg: s[1], momentumBuffer: s[2], lr: 0.01,
                        weightDecay: 0.01, momentum: 0.9)
                }
            ),
            (
                "Adagrad lr decay", ["sum"],
                { p, g, s, step in
                    try OptimizerKernels.adagrad(
                        param: p, grad: g, sum: s[0], lr: 0.1, weightDecay: 0.01, lrDecay: 0.05, step: step)
                }
            ),
        ]
        for (name, stateNames, step) in cases {
            let param = try values(shape)
            let grads = try (0..<3).map { _ in try values(shape) }
            let device = self.device
            record("\(name) (3 steps)") {
                func evaluate(on target: Device) throws -> [[Float]] {
                    let p = try Tensor(param, shape: shape, device: target)
                    let state = try stateNames.map { _ in try Tensor.zeros(shape, device: target) }
                    for (i, g) in grads.enumerated() { try step(p, try Tensor(g, shape: shape, device: target), state, i + 1) }
                    return try ([p] + state).map { try $0.toArray() }
                }
                let want = try evaluate(on: .cpu), got = try evaluate(on: device)
                return zip(["param"] + stateNames, zip(got, want)).map { Runner.compare($0, $1.0, $1.1, .elementwise) }
            }
        }
    }

    /// Each recurrence over a sequence forward, in reverse over padded sequences, and over sequences padded at the
    /// front; the output and final states are compared as one tensor, so the backward runs from all of them.
    mutating func recurrent() throws {
        let (steps, batch, inputSize, hidden) = (4, 3, 5, 6)
        for kind in RecurrentKind.allCases {
            let rows = kind.gates * hidden, states = kind.stateCount
            var inputs = [try input("x", [steps, batch, inputSize])]
            for label in ["h0", "c0"].prefix(states) { inputs.append(try input(label, [batch, hidden])) }
            inputs += [
                try input("wih", [rows, inputSize]), try input("whh", [rows, hidden]), try input("bih", [rows]),
                try input("bhh", [rows]),
            ]
            // (reverse, lengths, padded at the front)
            for (reverse, padded, front) in [(false, false, false), (true, true, false), (false, true, true)] {
                let name =
                    "\(kind.selftestName) [\(steps),\(batch),\(inputSize)]->\(hidden)" + (reverse ? " reverse" : "")
                    + (padded ? ", lengths 4,2,3" : "") + (front ? " padded at the front" : "")
                check(name, inputs, .accumulating) { t in
                    let (output, state) = try Tensor.recurrent(
                        kind, input: t[0], initialState: Array(t[1...states]), weightIH: t[states + 1],
                        weightHH: t[states + 2], biasIH: t[states + 3], biasHH: t[states + 4],
                        lengths: padded ? try Tensor(indices: [4, 2, 3]) : nil, paddedAtFront: front,
                        reverse: reverse)
                    return [try Tensor.concatenate(([output] + state).map { try $0.flattened() })]
                }
            }
        }
    }

    mutating func layout() throws {
        check("permute [2,3,4,5] (0,2,3,1)", [try input("x", [2, 3, 4, 5])], .exact) { [try $0[0].permuted(0, 2, 3, 1)] }
        check("transpose [5,7]", [try input("x", [5, 7])], .exact) { [try $0[0].transposed()] }
        check("concatenate axis 1", [try input("a", [2, 3, 4]), try input("b", [2, 1, 4]), try input("c", [2, 5, 4])], .exact) {
            [try Tensor.concatenate($0, axis: 1)]
        }
        check("slice axis 2 start 1 count 3", [try input("x", [3, 4, 6])], .exact) {
            [try $0[0].slice(axis: 2, start: 1, count: 3)]
        }
        check("subscript x[1..., 2, stride 0..<6 by 2]", [try input("x", [3, 4, 6])], .exact) {
            [try $0[0][1..., 2, stride(from: 0, to: 6, by: 2)]]
        }
        check(
            "gather x[ids] (repeated ids)", [try input("x", [5, 3, 2]), try integers("ids", [4, 3], below: 5)], .accumulating
        ) {
            [try $0[0][$0[1]]]
        }
        check("gather int32 table", [try integers("table", [6, 3], below: 100), try integers("ids", [7], below: 6)], .exact) {
            [try $0[0][$0[1]]]
        }
        check("split [2,1,3] axis 1", [try input("x", [4, 6, 5])], .accumulating) { t in
            let parts = try t[0].split(sizes: [2, 1, 3], axis: 1)
            return [try parts[0].sum(axes: [1]) + parts[2].sum(axes: [1])]
        }
        check("to int32", [try input("x", [5, 7], -1000, 1000, grad: false)], .exact) { [try $0[0].to(dtype: .int32)] }
        check("to float32 from int32", [try integers("x", [5, 7], below: 1 << 20)], .exact) { [try $0[0].to(dtype: .float32)] }
    }

    mutating func random() throws {
        let seed = try UInt64(values([1], 0, 1_000_000)[0])
        let shape: Shape = [3, 1001]
        let device = self.device
        let cases: [(String, (Generator, Device) throws -> Tensor)] = [
            ("uniform [-2, 3)", { try Tensor.uniform(shape, low: -2, high: 3, generator: $0, device: $1) }),
            ("normal mean 1 std 2", { try Tensor.normal(shape, mean: 1, std: 2, generator: $0, device: $1) }),
            ("bernoulli p 0.3", { try Tensor.bernoulli(shape, p: 0.3, generator: $0, device: $1) }),
        ]
        for (name, make) in cases {
            record("\(name) (same seed)") {
                // Two draws each, so the generator's offset is exercised too.
                func draws(on target: Device) throws -> [Float] {
                    let generator = Generator(seed: seed)
                    return try make(generator, target).toArray() + make(generator, target).toArray()
                }
                return [Runner.compare("out", try draws(on: device), try draws(on: .cpu), .elementwise)]
            }
        }
    }
}
