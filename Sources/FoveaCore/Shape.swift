/// The dimensions of a tensor, outermost first (NCHW for images).
public struct Shape: Hashable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral {
    public var dims: [Int]

    public init(_ dims: [Int]) { self.dims = dims }
    public init(arrayLiteral elements: Int...) { self.dims = elements }

    /// Number of dimensions.
    public var rank: Int { dims.count }
    /// Number of elements (1 for a scalar).
    public var count: Int { dims.reduce(1, *) }
    public subscript(_ axis: Int) -> Int { dims[axis] }

    /// Row-major strides of a contiguous tensor of this shape.
    public var strides: [Int] {
        var result = [Int](repeating: 1, count: dims.count)
        var running = 1
        for axis in stride(from: dims.count - 1, through: 0, by: -1) {
            result[axis] = running
            running *= dims[axis]
        }
        return result
    }

    /// Resolves a possibly negative axis against this rank, or throws.
    public func normalizedAxis(_ axis: Int, op: String) throws -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        guard resolved >= 0, resolved < max(rank, 1) else {
            throw FoveaError.invalidArgument("\(op): axis \(axis) is out of range for shape \(self)")
        }
        return resolved
    }

    /// Splits the shape around `axis` into (outer, size, inner) element counts.
    public func split(at axis: Int) -> (outer: Int, size: Int, inner: Int) {
        let outer = dims[..<axis].reduce(1, *)
        let inner = dims[(axis + 1)...].reduce(1, *)
        return (outer, dims[axis], inner)
    }

    public var description: String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }

    /// NumPy broadcasting of two shapes, or a shape-mismatch error naming both.
    public static func broadcast(_ a: Shape, _ b: Shape, op: String) throws -> Shape {
        let rank = max(a.rank, b.rank)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.rank ? 1 : a.dims[i - (rank - a.rank)]
            let db = i < rank - b.rank ? 1 : b.dims[i - (rank - b.rank)]
            guard da == db || da == 1 || db == 1 else {
                throw FoveaError.shapeMismatch(op: op, a, b)
            }
            out[i] = da == 1 ? db : da
        }
        return Shape(out)
    }

    /// Strides that read this shape as if broadcast to `target` (0 on broadcast axes).
    public func broadcastStrides(to target: Shape) -> [Int] {
        let own = strides
        let offset = target.rank - rank
        return (0..<target.rank).map { i in
            let j = i - offset
            return (j < 0 || dims[j] == 1) ? 0 : own[j]
        }
    }
}
