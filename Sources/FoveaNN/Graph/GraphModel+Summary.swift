extension GraphModel {
    /// A Keras-style table with one row per input, layer call and merge: its output shape, its parameter count (on a
    /// layer's first call; a shared layer's later calls show "shared" and are labelled `name[1]`, `name[2]`, ...) and
    /// the rows it takes ("Connected to").
    public func summary() -> String {
        let layerNames = Dictionary(uniqueKeysWithValues: layers.map { (ObjectIdentifier($0.1), $0.0) })
        var labels: [ObjectIdentifier: String] = [:], calls: [ObjectIdentifier: Int] = [:], merges: [String: Int] = [:]
        var table = SummaryTable(columns: [
            ("Layer (type)", 24, false), ("Output Shape", 20, false), ("Param #", 12, true), ("Connected to", 0, false),
        ])
        for step in steps {
            let label: String, type: String, parameters: String
            switch step.source {
            case .input(let name):
                label = name ?? "input\(inputs.firstIndex { $0 === step } ?? 0)"
                (type, parameters) = ("Input", "0")
            case .layer(let layer, _, _):
                let call = calls[ObjectIdentifier(layer), default: 0]
                calls[ObjectIdentifier(layer)] = call + 1
                label = layerNames[ObjectIdentifier(layer), default: "-"] + (call > 0 ? "[\(call)]" : "")
                (type, parameters) = (layer.typeName, call > 0 ? "shared" : Self.grouped(layer.parameterCount))
            case .merge(let merge, _):
                let count = merges[merge.typeName, default: 0]
                merges[merge.typeName] = count + 1
                label = merge.typeName.lowercased() + (count > 0 ? "_\(count)" : "")
                (type, parameters) = (merge.typeName, "0")
            }
            labels[ObjectIdentifier(step)] = label
            let connected = step.arguments.map { labels[ObjectIdentifier($0), default: "-"] }.joined(separator: ", ")
            table.rows.append(["\(label) (\(type))", step.description, parameters, connected])
        }
        return table.render(for: self)
    }
}
