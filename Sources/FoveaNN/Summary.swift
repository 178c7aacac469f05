import Foundation
import FoveaCore

/// Collects the output shape of each module call during `summary()`.
final class SummaryRecorder {
    private static let key = "fovea.summaryRecorder"
    private var depth = 0
    private(set) var calls: [(module: Module, depth: Int, output: Shape)] = []

    static var current: SummaryRecorder? { Thread.current.threadDictionary[key] as? SummaryRecorder }

    func enter() -> Int { depth += 1; return depth }

    func leave(_ module: Module, depth: Int, output: Shape) {
        calls.append((module, depth, output))
        self.depth = depth - 1
    }

    static func recording(_ body: () throws -> Void) rethrows -> SummaryRecorder {
        let recorder = SummaryRecorder()
        Thread.current.threadDictionary[key] = recorder
        defer { Thread.current.threadDictionary[key] = nil }
        try body()
        return recorder
    }
}

extension Module {
    /// A Keras-style table of the top-level layers, their output shapes and parameter counts,
    /// made by running one zero sample of `inputShape` (without the batch axis) through the model.
    public func summary(inputShape: Shape) throws -> String {
        let device = parameters.first?.device ?? .cpu
        // Restored parent first, so a child kept in another mode (a frozen BatchNorm in eval) gets its own mode back.
        let modes = modulesInPreorder.map { ($0, $0.isTraining) }
        eval()
        defer { for (module, wasTraining) in modes { module.train(wasTraining) } }
        let recorder = try SummaryRecorder.recording {
            _ = try withNoGrad { try self(Tensor.zeros(Shape([1] + inputShape.dims), device: device)) }
        }
        let names = Dictionary(namedChildren.map { (ObjectIdentifier($0.1), $0.0) }, uniquingKeysWith: { first, _ in first })
        var rows: [(String, String, String)] = []
        for call in recorder.calls where call.depth == 2 || (call.depth == 1 && namedChildren.isEmpty) {
            let name = names[ObjectIdentifier(call.module)] ?? "-"
            let shape = "[N" + call.output.dims.dropFirst().map { ", \($0)" }.joined() + "]"
            rows.append(("\(name) (\(call.module.typeName))", shape, Self.grouped(call.module.parameterCount)))
        }
        let total = parameterCount
        let trainable = parameters.filter { !$0.isFrozen }.reduce(0) { $0 + $1.value.count }
        let widths = [max(24, rows.map(\.0.count).max() ?? 0) + 2, max(20, rows.map(\.1.count).max() ?? 0) + 2, 12]
        func line(_ a: String, _ b: String, _ c: String) -> String {
            a.padding(toLength: widths[0], withPad: " ", startingAt: 0) + b.padding(toLength: widths[1], withPad: " ", startingAt: 0)
                + String(repeating: " ", count: max(0, widths[2] - c.count)) + c
        }
        let rule = String(repeating: "─", count: widths.reduce(0, +))
        var text = "Model: \(typeName)\n\(rule)\n" + line("Layer (type)", "Output Shape", "Param #") + "\n\(rule)\n"
        text += rows.map { line($0.0, $0.1, $0.2) }.joined(separator: "\n")
        text += "\n\(rule)\nTotal params: \(Self.grouped(total))\nTrainable params: \(Self.grouped(trainable))\n"
        text += "Non-trainable params: \(Self.grouped(total - trainable))\n"
        return text
    }

    /// This module, then each child's subtree in turn.
    private var modulesInPreorder: [Module] { [self] + namedChildren.flatMap { $0.1.modulesInPreorder } }

    /// 61706 -> "61,706".
    static func grouped(_ value: Int) -> String {
        let digits = Array(String(value))
        return digits.enumerated().map { index, digit in
            (index > 0 && (digits.count - index) % 3 == 0 ? "," : "") + String(digit)
        }.joined()
    }
}
