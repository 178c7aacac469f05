/// An n-dimensional array of Float32 or Int32 elements (`dtype`) on one device, with an optional gradient.
///
/// Reference semantics as in PyTorch: the device memory is freed (or pooled) when the last reference goes.
/// A tensor is a view of `sharedStorage`: its elements start at `storageOffset` and are laid out by `strides` (in
/// elements). Every op's result is dense (row-major from offset 0); `reshaped`, `slice`, subscripts, `permuted`,
/// `transposed`, `broadcast(to:)`, `squeezed`, `unsqueezed` and `detach` return views that share the storage.
/// Only Float32 tensors carry gradients; Int32 holds labels, indices and token ids.
public final class Tensor {
    public let shape: Shape
    public let device: Device
    /// The storage this tensor views, shared with the tensors it was viewed from and its own views.
    public let sharedStorage: Storage
    /// Where the first element lies in `sharedStorage`.
    public let storageOffset: Int
    /// Element distance between neighbours along each axis (0 on broadcast axes).
    public let strides: [Int]
    /// Whether `backward()` should compute a gradient for this tensor.
    public var requiresGrad: Bool
    /// The accumulated gradient, filled by `backward()`.
    public var grad: Tensor?
    /// How this tensor was computed, when gradients flow through it.
    public internal(set) var gradNode: GradNode?
    /// Which of `gradNode`'s outputs this tensor is.
    public internal(set) var gradOutputIndex = 0

    /// Wraps existing storage as a dense tensor. Most code uses the factory functions instead.
    public init(shape: Shape, device: Device, storage: Storage, requiresGrad: Bool = false) {
        precondition(storage.count >= shape.count, "storage smaller than shape \(shape)")
        self.shape = shape
        self.device = device
        self.sharedStorage = storage
        self.storageOffset = 0
        self.strides = shape.strides
        self.requiresGrad = requiresGrad
    }

    /// A view of `base`'s storage (callers have checked that every element lies inside it).
    init(viewOf base: Tensor, shape: Shape, strides: [Int], offset: Int) {
        self.shape = shape
        self.device = base.device
        self.sharedStorage = base.sharedStorage
        self.storageOffset = offset
        self.strides = strides
        self.requiresGrad = false
    }

    /// A tensor holding `values` in the given shape.
    public convenience init(_ values: [Float], shape: Shape, device: Device = .cpu, requiresGrad: Bool = false) throws {
        guard values.count == shape.count else {
            throw FoveaError.invalidArgument(
                "Tensor: \(values.count) values do not fill shape \(shape) (\(shape.count) elements)")
        }
        let backend = try FoveaCore.backend(for: device)
        let storage = try backend.allocate(values.count)
        try values.withUnsafeBufferPointer { try backend.upload($0, into: storage, offset: 0) }
        self.init(shape: shape, device: device, storage: storage, requiresGrad: requiresGrad)
    }

    /// An Int32 tensor holding `values` in the given shape.
    public convenience init(int32 values: [Int32], shape: Shape, device: Device = .cpu) throws {
        guard values.count == shape.count else {
            throw FoveaError.invalidArgument(
                "Tensor: \(values.count) values do not fill shape \(shape) (\(shape.count) elements)")
        }
        let backend = try FoveaCore.backend(for: device)
        let storage = try backend.allocate(values.count, dtype: .int32)
        try values.withUnsafeBufferPointer { try backend.upload($0, into: storage, offset: 0) }
        self.init(shape: shape, device: device, storage: storage)
    }

    /// An Int32 tensor of indices (class labels, token ids, gather indices), 1-D unless `shape` is given;
    /// each must fit in Int32.
    public convenience init(indices: [Int], shape: Shape? = nil, device: Device = .cpu) throws {
        let values = try indices.map { index -> Int32 in
            guard let value = Int32(exactly: index) else {
                throw FoveaError.invalidArgument("Tensor(indices:): \(index) does not fit in int32")
            }
            return value
        }
        try self.init(int32: values, shape: shape ?? Shape([values.count]), device: device)
    }

    /// A 1-D tensor of `values`.
    public convenience init(_ values: [Float], device: Device = .cpu, requiresGrad: Bool = false) throws {
        try self.init(values, shape: Shape([values.count]), device: device, requiresGrad: requiresGrad)
    }

    /// A 0-D tensor holding `value`.
    public convenience init(scalar value: Float, device: Device = .cpu) throws {
        try self.init([value], shape: Shape([]), device: device)
    }

    /// The element type, that of the storage.
    public var dtype: DType { sharedStorage.dtype }
    public var rank: Int { shape.rank }
    public var count: Int { shape.count }
    /// The backend that runs this tensor's ops.
    public var backend: any Backend { get throws { try FoveaCore.backend(for: device) } }
    /// True for tensors not produced by a recorded op.
    public var isLeaf: Bool { gradNode == nil }

    /// Copies the elements of a Float32 tensor to the host (a host sync on OpenCL).
    public func toArray() throws -> [Float] {
        try requireDType(.float32, op: "toArray (use toInt32Array() for int32)")
        let (source, offset) = try rowMajorElements
        return try backend.download(source, offset: offset, count: count)
    }

    /// Copies the elements of an Int32 tensor to the host (a host sync on OpenCL).
    public func toInt32Array() throws -> [Int32] {
        try requireDType(.int32, op: "toInt32Array (use toArray() for float32)")
        let (source, offset) = try rowMajorElements
        return try backend.downloadInt32(source, offset: offset, count: count)
    }

    /// The single value of a one-element Float32 tensor (a host sync on OpenCL).
    public func item() throws -> Float {
        guard count == 1 else {
            throw FoveaError.invalidArgument("item(): tensor of shape \(shape) has \(count) elements, not 1")
        }
        return try toArray()[0]
    }

    /// A new tensor with this one's data on `device` (self when already there).
    public func to(_ target: Device) throws -> Tensor {
        if target == device { return self }
        let targetBackend = try FoveaCore.backend(for: target)
        let moved = try Tensor.empty(shape, dtype: dtype, device: target)
        var bytes = [UInt8](repeating: 0, count: count * dtype.byteSize)
        let (source, offset) = try rowMajorElements
        try bytes.withUnsafeMutableBytes { try backend.download(source, offset: offset, count: count, into: $0) }
        try bytes.withUnsafeBytes { try targetBackend.upload(bytes: $0, into: moved.storage, offset: 0) }
        return record(moved, op: "to", inputs: [self], saving: .nothing) { grad, _ in [try grad.to(self.device)] }
    }

    /// Throws `unsupportedDType` naming `op` unless this tensor's dtype is `expected`.
    public func requireDType(_ expected: DType, op: String) throws {
        if dtype != expected { throw FoveaError.unsupportedDType(op: op, dtype) }
    }

    /// A view of this tensor's data that is cut off from the graph.
    public func detach() -> Tensor {
        Tensor(viewOf: self, shape: shape, strides: strides, offset: storageOffset)
    }

    /// Allocates an uninitialized tensor of `dtype` on `device`.
    public static func empty(_ shape: Shape, dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        let storage = try FoveaCore.backend(for: device).allocate(shape.count, dtype: dtype)
        return Tensor(shape: shape, device: device, storage: storage)
    }

    /// A tensor of `shape` and `dtype` filled with `value`.
    /// An Int32 `value` must be integral.
    public static func full(
        _ shape: Shape, value: Float, dtype: DType = .float32, device: Device = .cpu,
        requiresGrad: Bool = false
    ) throws -> Tensor {
        if dtype == .int32 {
            guard let integral = Int32(exactly: value) else {
                throw FoveaError.invalidArgument("full: \(value) is not an int32 value")
            }
            return try Tensor(int32: [Int32](repeating: integral, count: shape.count), shape: shape, device: device)
        }
        let result = try empty(shape, device: device)
        try result.backend.fill(result.storage, offset: 0, count: shape.count, value: value)
        result.requiresGrad = requiresGrad
        return result
    }

    public static func zeros(_ shape: Shape, dtype: DType = .float32, device: Device = .cpu, requiresGrad: Bool = false) throws
        -> Tensor
    {
        try full(shape, value: 0, dtype: dtype, device: device, requiresGrad: requiresGrad)
    }

    public static func ones(_ shape: Shape, dtype: DType = .float32, device: Device = .cpu, requiresGrad: Bool = false) throws
        -> Tensor
    {
        try full(shape, value: 1, dtype: dtype, device: device, requiresGrad: requiresGrad)
    }

    /// 0, step, 2*step, ... below `end` (exclusive), as a 1-D tensor.
    public static func arange(_ start: Float = 0, _ end: Float, step: Float = 1, device: Device = .cpu) throws -> Tensor {
        guard step != 0, (end - start) / step >= 0 else {
            throw FoveaError.invalidArgument("arange: no values from \(start) to \(end) by \(step)")
        }
        let n = Int(((end - start) / step).rounded(.up))
        return try Tensor((0..<n).map { start + Float($0) * step }, device: device)
    }

    /// Throws when `other` is on another device.
    public func checkSameDevice(_ other: Tensor, op: String) throws {
        if other.device != device { throw FoveaError.deviceMismatch(op: op, device, other.device) }
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = Swift.min(count, 8)
        let preview =
            dtype == .int32
            ? ((try? backend.downloadInt32(storage, offset: 0, count: shown)) ?? []).map { String($0) }
            : ((try? backend.download(storage, offset: 0, count: shown)) ?? []).map { String($0) }
        let values = preview.joined(separator: ", ")
        return "Tensor(shape: \(shape), dtype: \(dtype), device: \(device), [\(values)\(count > 8 ? ", ..." : "")])"
    }
}
