/// A height and a width: kernel sizes, strides, dilations and paddings of 2-D ops.
///
/// Write `3` for 3x3 or `[3, 5]` for 3 rows by 5 columns.
public struct Size2D: Hashable, Sendable, CustomStringConvertible, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral {
    public var height: Int
    public var width: Int

    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }

    /// A square size.
    public init(_ side: Int) { self.init(height: side, width: side) }

    public init(integerLiteral value: Int) { self.init(value) }

    /// `[side]` or `[height, width]`.
    public init(arrayLiteral elements: Int...) {
        precondition(elements.count == 1 || elements.count == 2, "Size2D: expected [side] or [height, width], got \(elements)")
        self.init(height: elements[0], width: elements[elements.count - 1])
    }

    public var description: String { "\(height)x\(width)" }
}
