import CVectorKernels
import FoveaTestSupport
import Testing

/// Batch norm's per-channel loops of `CVectorKernels` at every level against sums and formulas in Double, on the
/// middle channel of [N, 3, spatial] tensors (so the planes are apart and the neighbours must stay untouched): one
/// value per plane, planes shorter than a vector, whole groups of four vectors of every level, odd planes, batch 1;
/// with and without the ReLU mask.
extension VectorKernelTests {
    /// (batch, spatial).
    static let batchNormLayouts = [(1, 37), (5, 1), (4, 15), (3, 64), (2, 133), (1, 200)]

    /// Channel 1's values of a [batch, 3, spatial] tensor, and the layout that finds them from its first.
    static func middleChannel(_ tensor: [Float], batch: Int, spatial: Int) -> (values: [Float], layout: fovea_channel_planes) {
        let values = tensor.indices.filter { $0 / spatial % 3 == 1 }.map { tensor[$0] }
        return (values, fovea_channel_planes(planes: Int32(batch), stride: 3 * spatial, count: spatial))
    }

    /// A ReLU output of `count` values: about half of them 0, the rest positive.
    static func reluOutput(_ count: Int, seed: UInt64) -> [Float] { values(count, seed: seed).map { max($0, 0) } }

    @Test(arguments: levels)
    func batchNormStatisticsMatchDoubleSums(level: Int32) {
        for (batch, spatial) in Self.batchNormLayouts {
            // Values about 3, so a mean taken carelessly would lose the squares' digits.
            let x = Self.values(batch * 3 * spatial, seed: 31).map { $0 + 3 }
            let (channel, layout) = Self.middleChannel(x, batch: batch, spatial: spatial)
            var mean: Float = 0, squares = 0.0
            x.withUnsafeBufferPointer { fovea_batch_norm_statistics(level, layout, $0.baseAddress! + spatial, &mean, &squares) }
            let wantMean = channel.reduce(0.0) { $0 + Double($1) } / Double(channel.count)
            let wantSquares = channel.reduce(0.0) { $0 + (Double($1) - wantMean) * (Double($1) - wantMean) }
            let label = "level \(level) batch \(batch) spatial \(spatial)"
            #expect(abs(Double(mean) - wantMean) <= 1e-6 * wantMean, "\(label) mean \(mean) want \(wantMean)")
            #expect(abs(squares - wantSquares) <= 1e-5 * wantSquares, "\(label) squares \(squares) want \(wantSquares)")
        }
    }

    @Test(arguments: levels)
    func batchNormOutputsMatchTheFormula(level: Int32) {
        for (batch, spatial) in Self.batchNormLayouts {
            for (relu, withResidual) in [(false, false), (true, false), (false, true), (true, true)] {
                let x = Self.values(batch * 3 * spatial, seed: 32), (scale, shift): (Float, Float) = (1.7, 0.2)
                let residual = Self.values(x.count, seed: 39)
                var out = [Float](repeating: 99, count: x.count)
                let layout = Self.middleChannel(x, batch: batch, spatial: spatial).layout
                x.withUnsafeBufferPointer { x in
                    residual.withUnsafeBufferPointer { residual in
                        out.withUnsafeMutableBufferPointer { out in
                            fovea_batch_norm_normalize(
                                level, layout, x.baseAddress! + spatial, scale, shift,
                                withResidual ? residual.baseAddress! + spatial : nil, relu ? 1 : 0, out.baseAddress! + spatial)
                        }
                    }
                }
                let want = x.indices.map { i -> Float in
                    guard i / spatial % 3 == 1 else { return 99 }
                    let y = Float(Double(x[i]) * Double(scale) + Double(shift) + (withResidual ? Double(residual[i]) : 0))
                    return relu ? max(y, 0) : y
                }
                let label = "level \(level) batch \(batch) spatial \(spatial) relu \(relu) residual \(withResidual)"
                #expect(allClose(out, want, atol: 1e-6), "\(label): \(maxAbsDifference(out, want))")
            }
        }
    }

    @Test(arguments: levels)
    func batchNormGradientSumsMatchDoubleSums(level: Int32) {
        for (batch, spatial) in Self.batchNormLayouts {
            for masked in [false, true] {
                let count = batch * 3 * spatial, center: Float = 0.05
                let dy = Self.values(count, seed: 33), x = Self.values(count, seed: 34), y = Self.reluOutput(count, seed: 35)
                let layout = Self.middleChannel(x, batch: batch, spatial: spatial).layout
                var sumDy = 0.0, sumDyCentered = 0.0, written = [Float](repeating: 99, count: count)
                dy.withUnsafeBufferPointer { dy in
                    x.withUnsafeBufferPointer { x in
                        y.withUnsafeBufferPointer { y in
                            written.withUnsafeMutableBufferPointer { written in
                                fovea_batch_norm_gradient_sums(
                                    level, layout, dy.baseAddress! + spatial, masked ? y.baseAddress! + spatial : nil,
                                    x.baseAddress! + spatial, center, masked ? written.baseAddress! + spatial : nil, &sumDy,
                                    &sumDyCentered)
                            }
                        }
                    }
                }
                // The masked gradient, written only when asked for, into the channel's planes only.
                let wantWritten = dy.indices.map { i in masked && i / spatial % 3 == 1 ? (y[i] > 0 ? dy[i] : 0) : 99 }
                #expect(written == wantWritten, "level \(level) batch \(batch) spatial \(spatial) masked \(masked) written")
                let g = Self.middleChannel(dy, batch: batch, spatial: spatial).values
                let kept = Self.middleChannel(y, batch: batch, spatial: spatial).values.map { !masked || $0 > 0 }
                let xs = Self.middleChannel(x, batch: batch, spatial: spatial).values
                var wantDy = 0.0, wantCentered = 0.0
                for i in g.indices where kept[i] {
                    wantDy += Double(g[i]); wantCentered += Double(g[i]) * (Double(xs[i]) - Double(center))
                }
                let label = "level \(level) batch \(batch) spatial \(spatial) masked \(masked)"
                #expect(abs(sumDy - wantDy) <= 1e-5, "\(label) sum dy \(sumDy) want \(wantDy)")
                #expect(
                    abs(sumDyCentered - wantCentered) <= 1e-5, "\(label) sum dy (x - mean) \(sumDyCentered) want \(wantCentered)")
            }
        }
    }

    @Test(arguments: levels)
    func batchNormInputGradientsMatchTheFormula(level: Int32) {
        for (batch, spatial) in Self.batchNormLayouts {
            for (masked, withX) in [(false, true), (true, true), (true, false), (false, false)] {
                let count = batch * 3 * spatial, (k, a, b): (Float, Float, Float) = (1.3, -0.4, 0.25)
                let dy = Self.values(count, seed: 36), x = Self.values(count, seed: 37), y = Self.reluOutput(count, seed: 38)
                let layout = Self.middleChannel(x, batch: batch, spatial: spatial).layout
                var dx = [Float](repeating: 99, count: count)
                dy.withUnsafeBufferPointer { dy in
                    x.withUnsafeBufferPointer { x in
                        y.withUnsafeBufferPointer { y in
                            dx.withUnsafeMutableBufferPointer { dx in
                                fovea_batch_norm_input_gradient(
                                    level, layout, dy.baseAddress! + spatial, masked ? y.baseAddress! + spatial : nil,
                                    withX ? x.baseAddress! + spatial : nil, k, a, b, dx.baseAddress! + spatial)
                            }
                        }
                    }
                }
                let want = dy.indices.map { i -> Float in
                    guard i / spatial % 3 == 1 else { return 99 }
                    let g = !masked || y[i] > 0 ? Double(dy[i]) : 0
                    return Float(withX ? Double(k) * g + Double(a) * Double(x[i]) + Double(b) : Double(k) * g)
                }
                #expect(
                    allClose(dx, want, atol: 1e-6),
                    "level \(level) batch \(batch) spatial \(spatial) masked \(masked) x \(withX): \(maxAbsDifference(dx, want))")
            }
        }
    }
}
