/// What a subscript selects along one axis: consecutive-by-`step` entries from `start`, or one entry that drops the axis.
public struct AxisSelection: Sendable, Equatable {
    public var start: Int
    public var count: Int
    public var step: Int
    /// True for a single index (`x[0]`): the axis is removed from the result.
    public var dropsAxis: Bool

    /// Every entry of an axis of `size`.
    public static func all(_ size: Int) -> AxisSelection { AxisSelection(start: 0, count: size, step: 1, dropsAxis: false) }
}

/// One axis of a tensor subscript, as mlx-swift and PyTorch users write it: an `Int` (negative counts from the end),
/// `a..<b`, `a...b`, `a...`, `..<b`, `...b`, or `stride(from:to:by:)` / `stride(from:through:by:)` for a step.
public protocol TensorIndex {
    /// The selection along an axis of `size`; throws, naming `axis`, the index and the bounds, when out of range or empty.
    func selection(axis: Int, size: Int) throws -> AxisSelection
}

/// `index` with a negative value counted from the end, or nil when outside the axis.
private func resolved(_ index: Int, size: Int, allowEnd: Bool = false) -> Int? {
    let value = index < 0 ? index + size : index
    return value >= 0 && (value < size || (allowEnd && value == size)) ? value : nil
}

/// The selection lower..<upper (either may be negative), validated.
private func range(_ lower: Int, _ upper: Int, axis: Int, size: Int, written: String) throws -> AxisSelection {
    guard let start = resolved(lower, size: size, allowEnd: true), let end = resolved(upper, size: size, allowEnd: true) else {
        throw FoveaError.invalidArgument("subscript: range \(written) is out of bounds for axis \(axis) of size \(size)")
    }
    guard start < end else {
        throw FoveaError.invalidArgument("subscript: range \(written) is empty for axis \(axis) of size \(size)")
    }
    return AxisSelection(start: start, count: end - start, step: 1, dropsAxis: false)
}

extension Int: TensorIndex {
    public func selection(axis: Int, size: Int) throws -> AxisSelection {
        guard let index = resolved(self, size: size) else {
            throw FoveaError.invalidArgument(
                "subscript: index \(self) is out of range for axis \(axis) of size \(size) (valid \(-size)..<\(size))")
        }
        return AxisSelection(start: index, count: 1, step: 1, dropsAxis: true)
    }
}

extension Range<Int>: TensorIndex {
    public func selection(axis: Int, size: Int) throws -> AxisSelection {
        try range(lowerBound, upperBound, axis: axis, size: size, written: "\(self)")
    }
}

extension ClosedRange<Int>: TensorIndex {
    public func selection(axis: Int, size: Int) throws -> AxisSelection {
        // -1 as the upper bound means the last entry: its end is the axis's end.
        try range(lowerBound, upperBound == -1 ? size : upperBound + 1, axis: axis, size: size, written: "\(self)")
    }
}

extension PartialRangeFrom<Int>: TensorIndex {
    public func selection(axis: Int, size: Int) throws -> AxisSelection {
        try range(lowerBound, size, axis: axis, size: size, written: "\(lowerBound)...")
    }
}

extension PartialRangeUpTo<Int>: TensorIndex {
    public func selection(axis: Int, size: Int) throws -> AxisSelection {
        try range(0, upperBound, axis: axis, size: size, written: "..<\(upperBound)")
    }
}

extension PartialRangeThrough<Int>: TensorIndex {
    public func selection(axis: Int, size: Int) throws -> AxisSelection {
        try range(0, upperBound == -1 ? size : upperBound + 1, axis: axis, size: size, written: "...\(upperBound)")
    }
}

/// A stride's indices as a selection: they must be in range and increase by a constant positive step.
private func stepped(_ values: [Int], axis: Int, size: Int) throws -> AxisSelection {
    guard let first = values.first else {
        throw FoveaError.invalidArgument("subscript: stride is empty for axis \(axis) of size \(size)")
    }
    let step = values.count > 1 ? values[1] - values[0] : 1
    guard step > 0 else { throw FoveaError.invalidArgument("subscript: stride step \(step) for axis \(axis) must be positive") }
    guard first >= 0, let last = values.last, last < size else {
        throw FoveaError.invalidArgument(
            "subscript: stride \(first)...\(values.last!) by \(step) is out of bounds for axis \(axis) of size \(size)")
    }
    return AxisSelection(start: first, count: values.count, step: step, dropsAxis: false)
}

extension StrideTo<Int>: TensorIndex {
    public func selection(axis: Int, size: Int) throws -> AxisSelection { try stepped(Array(self), axis: axis, size: size) }
}

extension StrideThrough<Int>: TensorIndex {
    public func selection(axis: Int, size: Int) throws -> AxisSelection { try stepped(Array(self), axis: axis, size: size) }
}
