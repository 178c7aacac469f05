import Foundation

extension CPUBackend: LossBackend {
    public func classificationLoss(
        _ input: Storage, targets: Storage, classWeights: Storage?, descriptor d: ClassificationLossDescriptor,
        loss: Storage, statistics: Storage, logSumExp: Storage
    ) throws {
        let x = Self.pointer(input), t = Self.int32Pointer(targets), w = classWeights.map(Self.pointer)
        let lse = Self.pointer(logSumExp)
        let classes = d.classes, smoothing = Double(d.labelSmoothing)
        var rowLoss = [Double](repeating: 0, count: d.rows), rowWeight = [Double](repeating: 0, count: d.rows)
        rowLoss.withUnsafeMutableBufferPointer { rowLoss in
            rowWeight.withUnsafeMutableBufferPointer { rowWeight in
                parallelFor(d.rows, grain: max(1, 16_384 / max(classes, 1))) { rows in
                    for i in rows {
                        let row = x + i * classes
                        let shift = d.fromLogits ? Self.logSumExp(row, count: classes) : 0
                        lse[i] = shift
                        guard let target = Self.classIndex(t[i], classes: classes) else { continue }
                        let targetWeight = Double(w?[target] ?? 1)
                        var value = (1 - smoothing) * targetWeight * Double(shift - row[target])
                        if smoothing > 0 {
                            var smooth = 0.0
                            for c in 0..<classes { smooth += Double(w?[c] ?? 1) * Double(shift - row[c]) }
                            value += smoothing / Double(classes) * smooth
                        }
                        rowLoss[i] = value
                        rowWeight[i] = targetWeight
                    }
                }
            }
        }
        let totalWeight = rowWeight.reduce(0, +)
        let classWeightSum = w.map { w in (0..<classes).reduce(0.0) { $0 + Double(w[$1]) } } ?? Double(classes)
        Self.pointer(loss)[0] = Float(rowLoss.reduce(0, +) / totalWeight)
        let stats = Self.pointer(statistics)
        stats[0] = Float(totalWeight)
        stats[1] = Float(classWeightSum)
    }

    public func classificationLossBackward(
        _ gradLoss: Storage, input: Storage, targets: Storage, classWeights: Storage?,
        descriptor d: ClassificationLossDescriptor, statistics: Storage, logSumExp: Storage,
        gradInput: Storage
    ) throws {
        let x = Self.pointer(input), t = Self.int32Pointer(targets), w = classWeights.map(Self.pointer)
        let lse = Self.pointer(logSumExp), gx = Self.pointer(gradInput), stats = Self.pointer(statistics)
        let classes = d.classes, smoothing = d.labelSmoothing
        let scale = Self.pointer(gradLoss)[0] / stats[0], smoothPerClass = smoothing / Float(classes)
        parallelFor(d.rows, grain: max(1, 16_384 / max(classes, 1))) { rows in
            for i in rows {
                let row = x + i * classes, out = gx + i * classes
                guard let target = Self.classIndex(t[i], classes: classes) else {
                    out.update(repeating: 0, count: classes)
                    continue
                }
                let targetWeight = w?[target] ?? 1
                // Row loss = -sum_c a_c logp_c with a_c = (1 - e) w[t] [c == t] + e / C w[c].
                let total = (1 - smoothing) * targetWeight + smoothPerClass * stats[1]
                for c in 0..<classes {
                    let a = (c == target ? (1 - smoothing) * targetWeight : 0) + smoothPerClass * (w?[c] ?? 1)
                    out[c] = d.fromLogits ? scale * (exp(row[c] - lse[i]) * total - a) : -scale * a
                }
            }
        }
    }

    /// log(sum(exp(row))), shifted by the maximum for stability.
    private static func logSumExp(_ row: UnsafeMutablePointer<Float>, count: Int) -> Float {
        var maximum = -Float.infinity
        for c in 0..<count { maximum = max(maximum, row[c]) }
        var sum: Float = 0
        for c in 0..<count { sum += exp(row[c] - maximum) }
        return maximum + log(sum)
    }

    /// The class a target names, or nil when it is outside 0..<classes.
    @inline(__always)
    static func classIndex(_ value: Int32, classes: Int) -> Int? {
        value >= 0 && Int(value) < classes ? Int(value) : nil
    }
}
