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

extension UnaryLayer {
    /// A Keras-style table of the top-level layers, their output shapes and parameter counts,
    /// made by running one zero sample of `inputShape` (without the batch axis) through the model.
    public func summary(inputShape: Shape) throws -> String {
        let device = parameters.first?.device ?? .cpu
        let recorder = try inEvaluationMode {
            try SummaryRecorder.recording {
                _ = try withNoGrad { try self(Tensor.zeros(Shape([1] + inputShape.dims), device: device)) }
            }
        }
        let names = Dictionary(namedChildren.map { (ObjectIdentifier($0.1), $0.0) }, uniquingKeysWith: { first, _ in first })
        var table = SummaryTable(columns: [("Layer (type)", 24, false), ("Output Shape", 20, false), ("Param #", 12, true)])
        for call in recorder.calls where call.depth == 2 || (call.depth == 1 && namedChildren.isEmpty) {
            let name = names[ObjectIdentifier(call.module)] ?? "-"
            let shape = "[N" + call.output.dims.dropFirst().map { ", \($0)" }.joined() + "]"
            table.rows.append(["\(name) (\(call.module.typeName))", shape, Self.grouped(call.module.parameterCount)])
        }
        return table.render(for: self)
    }
}

extension Module {
    /// Runs `body` with this module and its descendants in evaluation mode, then gives each its own mode back (restored
    /// parent first, so a child kept in another mode, a frozen BatchNorm in eval, gets its own mode back).
    func inEvaluationMode<T>(_ body: () throws -> T) rethrows -> T {
        let modes = modulesInPreorder.map { ($0, $0.isTraining) }
        eval()
        defer { for (module, wasTraining) in modes { module.train(wasTraining) } }
        return try body()
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

/// The text of a Keras-style summary: a header between rules, one row per layer, and the parameter totals.
struct SummaryTable {
    /// Each column's title, minimum width and alignment.
    let columns: [(title: String, width: Int, rightAligned: Bool)]
    var rows: [[String]] = []

    /// The table under "Model: NAME", with `model`'s parameter counts at the foot.
    func render(for model: Module) -> String {
        let last = columns.count - 1
        // A left-aligned column is as wide as its longest cell plus 2 spaces (the last one takes no trailing spaces);
        // a right-aligned one has its width, plus 2 spaces when a column follows.
        let widths = columns.indices.map { index in
            let longest = max(columns[index].width, rows.map { $0[index].count }.max() ?? 0)
            return longest + (index == last ? 0 : 2)
        }
        func line(_ cells: [String]) -> String {
            let text = cells.enumerated().map { index, cell in
                if columns[index].rightAligned {
                    let gap = index == last ? 0 : 2
                    return String(repeating: " ", count: max(0, widths[index] - gap - cell.count)) + cell
                        + String(repeating: " ", count: gap)
                }
                return index == last ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined()
            return String(text.reversed().drop { $0 == " " }.reversed())
        }
        let total = model.parameterCount
        let trainable = model.parameters.filter { !$0.isFrozen }.reduce(0) { $0 + $1.value.count }
        let rule = String(repeating: "─", count: widths.reduce(0, +))
        var text = "Model: \(model.typeName)\n\(rule)\n" + line(columns.map(\.title)) + "\n\(rule)\n"
        text += rows.map(line).joined(separator: "\n")
        text += "\n\(rule)\nTotal params: \(Module.grouped(total))\nTrainable params: \(Module.grouped(trainable))\n"
        text += "Non-trainable params: \(Module.grouped(total - trainable))\n"
        return text
    }
}
