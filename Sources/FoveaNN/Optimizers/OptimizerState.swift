import FoveaCore

/// Per-parameter state kept by an optimizer, created on the parameter's device at first use.
final class OptimizerState {
    private var buffers: [Int: [String: Tensor]] = [:]
    /// Steps taken per parameter (Adam's bias correction counts steps in which the parameter had a gradient).
    private var steps: [Int: Int] = [:]

    /// Increments and returns the step count of parameter `index` (1 on its first step).
    func incrementStep(of index: Int) -> Int {
        steps[index, default: 0] += 1
        return steps[index]!
    }

    /// Whether parameter `index` has a buffer `name` (from an earlier step or a loaded checkpoint).
    func hasBuffer(_ name: String, of index: Int) -> Bool { buffers[index]?[name] != nil }

    /// The buffer `name` of parameter `index`, zero-filled like `parameter` when new, and moved along when the
    /// parameter has moved to another device since the last step.
    func buffer(_ name: String, of index: Int, like parameter: Tensor) throws -> Tensor {
        if let existing = buffers[index]?[name] {
            if existing.device == parameter.device { return existing }
            let moved = try existing.to(parameter.device)
            buffers[index]![name] = moved
            return moved
        }
        let fresh = try Tensor.zeros(parameter.shape, device: parameter.device)
        buffers[index, default: [:]][name] = fresh
        return fresh
    }

    /// Every buffer as `<parameter index>.<name>`, sorted.
    var named: [(String, Tensor)] {
        buffers.keys.sorted().flatMap { index in buffers[index]!.keys.sorted().map { ("\(index).\($0)", buffers[index]![$0]!) } }
    }

    /// Restores buffers; every restored parameter is taken to have taken `steps` steps.
    func load(_ tensors: [String: Tensor], parameters: [Parameter], steps stepCount: Int) throws {
        var loaded: [Int: [String: Tensor]] = [:]
        for (key, tensor) in tensors {
            let parts = key.split(separator: ".", maxSplits: 1)
            guard parts.count == 2, let index = Int(parts[0]), index < parameters.count else {
                throw FoveaError.invalidArgument("optimizer state '\(key)' names no parameter (\(parameters.count) parameters)")
            }
            let parameter = parameters[index].value
            guard tensor.shape == parameter.shape else {
                throw FoveaError.invalidArgument(
                    "optimizer state '\(key)': shape \(tensor.shape) does not match parameter \(parameter.shape)")
            }
            loaded[index, default: [:]][String(parts[1])] = try tensor.detach().to(parameter.device)
        }
        buffers = loaded
        steps = Dictionary(uniqueKeysWithValues: loaded.keys.map { ($0, stepCount) })
    }
}
