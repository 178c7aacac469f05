import FoveaCore

/// A model made of a graph of layer calls on symbols (Keras' functional `Model(inputs, outputs)`):
///
///     let x = Input(shape: [4])
///     let h = try Dense(outputs: 8)(x)
///     let y = try Dense(outputs: 4)(add([h, x]))   // ... a skip connection
///     let model = try GraphModel(inputs: [x], outputs: [y])
///
/// Its children are the distinct layers in order of first use, each named by the `name:` given at one of its calls or
/// else `layer` and its position among them (`layer0`, `layer1`, ...), so a layer called twice is one set of weights
/// under one name in `parameters` and the state dict.
public final class GraphModel: Module, UnaryLayer, MultiTensorLayer {
    /// The input symbols, in the order `callAsFunction(_:)` takes tensors.
    public let inputs: [SymbolicTensor]
    /// The output symbols, in the order `callAsFunction(_:)` returns tensors.
    public let outputs: [SymbolicTensor]
    /// The inputs and every symbol the outputs depend on, arguments before their results.
    let steps: [SymbolicTensor]
    /// The distinct layers with their names, in order of first use.
    let layers: [(String, Module)]

    /// A name for each output, as Keras names them: the name of the layer that computes it (`classes` for
    /// `Dense(outputs: 3)(h, name: "classes")`, `layer3` for an unnamed one), or `output1` for a merge or an input.
    public var outputNames: [String] {
        outputs.enumerated().map { index, output in
            guard case .layer(let layer, _, _) = output.source,
                let (name, _) = layers.first(where: { $0.1 === (layer as AnyObject) })
            else { return "output\(index)" }
            return name
        }
    }

    /// Throws when there are no inputs or outputs, when `inputs` lists a symbol twice or one not made by `Input(shape:)`,
    /// when an output depends on an input not in `inputs`, or when two layers get one name (or one layer two names).
    public init(inputs: [SymbolicTensor], outputs: [SymbolicTensor]) throws {
        guard !inputs.isEmpty, !outputs.isEmpty else {
            throw FoveaError.invalidArgument(
                "GraphModel: needs at least one input and one output, got \(inputs.count) and \(outputs.count)")
        }
        let given = Set(inputs.map(ObjectIdentifier.init))
        guard given.count == inputs.count else { throw FoveaError.invalidArgument("GraphModel: an input is listed twice") }
        if let made = inputs.first(where: { !$0.isInput }) {
            throw FoveaError.invalidArgument(
                "GraphModel: the input of shape \(made) is computed from other symbols; inputs come from Input(shape:)")
        }
        self.inputs = inputs
        self.outputs = outputs
        steps = Self.reachable(from: outputs + inputs).sorted { $0.order < $1.order }
        if let stray = steps.first(where: { $0.isInput && !given.contains(ObjectIdentifier($0)) }) {
            throw FoveaError.invalidArgument(
                "GraphModel: an output depends on an input of shape \(stray) that is not among the model's inputs")
        }
        layers = try Self.namedLayers(in: steps)
        super.init()
    }

    /// Runs the graph on one tensor per input (batch first, each sample shaped as its input symbol) and returns one
    /// tensor per output.
    public func callAsFunction(_ tensors: [Tensor]) throws -> [Tensor] {
        guard tensors.count == inputs.count else {
            throw FoveaError.invalidArgument("GraphModel: takes \(inputs.count) inputs, got \(tensors.count)")
        }
        var values: [ObjectIdentifier: Tensor] = [:]
        for (index, (symbol, tensor)) in zip(inputs, tensors).enumerated() {
            guard tensor.rank >= 1, Array(tensor.shape.dims.dropFirst()) == symbol.shape.dims else {
                throw FoveaError.invalidArgument("GraphModel: input \(index) has shape \(tensor.shape), expected \(symbol)")
            }
            values[ObjectIdentifier(symbol)] = tensor
        }
        for step in steps {
            let arguments = step.arguments.map { values[ObjectIdentifier($0)]! }
            switch step.source {
            case .input: continue
            case .layer(let layer, _, _): values[ObjectIdentifier(step)] = try layer(arguments[0])
            case .merge(let merge, _): values[ObjectIdentifier(step)] = try merge.apply(arguments)
            }
        }
        return outputs.map { values[ObjectIdentifier($0)]! }
    }

    /// The unary form, for a model of one input and one output (so it fits `Sequential`, calls on symbols and the
    /// one-loss `Trainer`); throws for a model of several inputs or outputs.
    public func forward(_ input: Tensor) throws -> Tensor {
        guard inputs.count == 1, outputs.count == 1 else {
            throw FoveaError.invalidArgument(
                "GraphModel: forward(_:) needs one input and one output, the model has \(inputs.count) and \(outputs.count); call it with an array"
            )
        }
        return try self([input])[0]
    }

    public override var namedChildren: [(String, Module)] { layers }

    /// Every symbol `outputs` depend on, each once.
    private static func reachable(from outputs: [SymbolicTensor]) -> [SymbolicTensor] {
        var seen = Set<ObjectIdentifier>(), found: [SymbolicTensor] = [], pending = outputs
        while let symbol = pending.popLast() {
            guard seen.insert(ObjectIdentifier(symbol)).inserted else { continue }
            found.append(symbol)
            pending += symbol.arguments
        }
        return found
    }

    /// The distinct layers of `steps` in order of first use, each named by the `name:` of any of its calls or else
    /// `layer` + its position.
    private static func namedLayers(in steps: [SymbolicTensor]) throws -> [(String, Module)] {
        var layers: [(module: Module, name: String?)] = []
        var positions: [ObjectIdentifier: Int] = [:]
        for step in steps {
            guard case .layer(let layer, _, let name) = step.source else { continue }
            let position = positions[ObjectIdentifier(layer)] ?? layers.count
            if position == layers.count {
                positions[ObjectIdentifier(layer)] = position
                layers.append((layer, nil))
            }
            guard let name else { continue }
            if let earlier = layers[position].name, earlier != name {
                throw FoveaError.invalidArgument(
                    "GraphModel: one \(layer.typeName) layer is named both '\(earlier)' and '\(name)'")
            }
            layers[position].name = name
        }
        let named = layers.enumerated().map { ($0.element.name ?? "layer\($0.offset)", $0.element.module) }
        var names = Set<String>()
        for (name, layer) in named where !names.insert(name).inserted {
            throw FoveaError.invalidArgument("GraphModel: two layers are named '\(name)' (the second a \(layer.typeName))")
        }
        return named
    }
}
