/// Conversion between element types.
extension Tensor {
    /// This tensor's values as `target` (self when already of that dtype). Float32 to Int32 rounds toward zero and
    /// saturates, NaN giving 0. No gradient flows through a conversion.
    public func to(dtype target: DType) throws -> Tensor {
        if target == dtype { return self }
        let result = try Tensor.empty(shape, dtype: target, device: device)
        try backend.convert(storage, into: result.storage, count: count)
        return result
    }
}
