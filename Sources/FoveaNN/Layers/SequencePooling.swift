import FoveaCore

/// Mean and max over the time axis of padded sequences (a recurrent layer's output with `lengths`), reading only
/// each sequence's own steps.
extension Tensor {
    /// The mean over steps 0 ..< lengths[b] of sequence b: [steps, batch, features] with `timeAxis` 0, or
    /// [batch, steps, features] with `timeAxis` 1, gives [batch, features]. `lengths` is [batch] (Int32 or whole
    /// numbers, on the CPU or this tensor's device), each in 1...steps (checked when on the CPU).
    public func maskedMean(lengths: Tensor, timeAxis: Int = 0) throws -> Tensor {
        let (mask, counts) = try timeMask(lengths, timeAxis: timeAxis, op: "maskedMean")
        return try mul(mask).sum(axes: [timeAxis]).div(counts)
    }

    /// The largest value over steps 0 ..< lengths[b] of sequence b, per feature (its gradient goes to the first
    /// step holding it); shapes and lengths as for `maskedMean`.
    public func maskedMax(lengths: Tensor, timeAxis: Int = 0) throws -> Tensor {
        let (mask, _) = try timeMask(lengths, timeAxis: timeAxis, op: "maskedMax")
        // Padded steps become -Float.greatestFiniteMagnitude, below every value a step can hold.
        let padded = try (mask - 1) * Float.greatestFiniteMagnitude
        return try mul(mask).add(padded).max(axis: timeAxis).values
    }

    /// 1 at the steps of each sequence, 0 past them, shaped to broadcast against this tensor, and the lengths as
    /// Float32 [batch, 1].
    private func timeMask(_ lengths: Tensor, timeAxis: Int, op: String) throws -> (mask: Tensor, counts: Tensor) {
        guard rank == 3, timeAxis == 0 || timeAxis == 1 else {
            throw FoveaError.invalidArgument(
                "\(op): input of shape \(shape) with time axis \(timeAxis) is not [steps, batch, features] (axis 0) or [batch, steps, features] (axis 1)"
            )
        }
        let steps = shape[timeAxis], batch = shape[1 - timeAxis]
        guard lengths.shape == Shape([batch]) else {
            throw FoveaError.invalidArgument("\(op): lengths of shape \(lengths.shape) are not one per sequence [\(batch)]")
        }
        let values = try lengths.to(dtype: .float32)
        if values.device == .cpu, let bad = try values.toArray().first(where: { $0 < 1 || $0 > Float(steps) }) {
            throw FoveaError.invalidArgument(
                "\(op): sequence length \(Int(bad)) is outside 1...\(steps) (the padded sequence's steps)")
        }
        let counts = try values.to(device)
        let times = try Tensor.arange(0, Float(steps), device: device)
        let mask =
            try timeAxis == 0
            ? times.reshaped(steps, 1).lt(counts.reshaped(1, batch)).reshaped(steps, batch, 1)
            : counts.reshaped(batch, 1).gt(times.reshaped(1, steps)).reshaped(batch, steps, 1)
        return (try mask.to(dtype: .float32), try counts.reshaped(batch, 1))
    }
}
