/// How ops reach a tensor's elements: views are read through their strides, or copied once into dense storage.
extension Tensor {
    /// Whether the elements are laid out row-major without gaps (axes of size 1 may have any stride); the first may
    /// lie anywhere in the storage.
    public var isContiguous: Bool {
        var expected = 1
        for axis in stride(from: rank - 1, through: 0, by: -1) where shape[axis] != 1 {
            if shape[axis] == 0 { return true }
            guard strides[axis] == expected else { return false }
            expected *= shape[axis]
        }
        return true
    }

    /// Contiguous and starting at the storage's first element, as every op's result is.
    public var isDense: Bool { storageOffset == 0 && isContiguous }

    /// The elements row-major from offset 0: `sharedStorage` itself for a dense tensor, otherwise a fresh dense copy
    /// (one strided-copy kernel). For reading; to write in place use `writableStorage(op:)`.
    public var storage: Storage {
        get throws {
            if isDense { return sharedStorage }
            let backend = try backend
            let copy = try backend.allocate(count, dtype: dtype)
            if isContiguous {
                try backend.copy(from: sharedStorage, offset: storageOffset, to: copy, offset: 0, count: count)
            } else {
                try backend.expand(sharedStorage, offset: storageOffset, strides: strides, into: copy, shape: shape)
            }
            return copy
        }
    }

    /// The elements row-major from `offset` in `storage`: where they lie for a contiguous tensor (a slice is read in
    /// place), else a dense copy from 0. For ops whose kernels take an offset.
    public var rowMajorElements: (storage: Storage, offset: Int) {
        get throws { isContiguous ? (sharedStorage, storageOffset) : (try storage, 0) }
    }

    /// The storage to update in place (optimizer steps, running statistics, collectives): only a dense tensor's, since
    /// a write into a copy of a view would be lost. Counts as a write (`Storage.version`): a backward that reads this
    /// tensor and was recorded before refuses to run.
    public func writableStorage(op: String) throws -> Storage {
        guard isDense else {
            throw FoveaError.invalidArgument(
                "\(op): cannot update a view (shape \(shape), strides \(strides), offset \(storageOffset)) in place; "
                    + "use a dense tensor (contiguous())")
        }
        sharedStorage.version += 1
        return sharedStorage
    }

    /// This tensor when contiguous, else a contiguous copy (recorded, so gradients flow back to the view).
    public func contiguous() throws -> Tensor { isContiguous ? self : try dense() }

    /// This tensor when dense, else a dense copy (recorded): for ops whose forward and backward both read the input,
    /// so a view is copied once, not at each read of `storage`.
    func dense() throws -> Tensor {
        if isDense { return self }
        let result = Tensor(shape: shape, device: device, storage: try storage)
        return record(result, op: "contiguous", inputs: [self], saving: .nothing) { grad, _ in [grad] }
    }

    /// A view of the same storage with another shape, strides and offset, recording `backward` for autograd.
    func view(
        shape: Shape, strides: [Int], offset: Int, op: String, backward: @escaping (Tensor) throws -> Tensor
    ) -> Tensor {
        let result = Tensor(viewOf: self, shape: shape, strides: strides, offset: offset)
        return record(result, op: op, inputs: [self], saving: .nothing) { grad, _ in [try backward(grad)] }
    }
}
