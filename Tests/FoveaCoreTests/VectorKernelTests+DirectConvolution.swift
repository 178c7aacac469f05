import CVectorKernels
import FoveaTestSupport
import Testing

/// The direct convolution of `CVectorKernels` at every level against sums written out in Double: rows narrower than
/// every vector, rows that end inside a vector, one and several output-channel blocks (uneven ones too), kernels wider
/// than a weight-gradient tile, padding of 0, 2, uneven, and negative, and strides of 2 and 3 (a 1x1 kernel reading one
/// phase of four).
extension VectorKernelTests {
    /// (in, height, width, out, out height, out width, kernel height, kernel width, pad top, pad left, strides).
    static let directShapes: [fovea_direct_shape] = [
        shape(1, 28, 28, 6, 28, 28, 5, 5, 2, 2),
        shape(3, 9, 37, 13, 7, 35, 3, 3, 0, 0),
        shape(2, 3, 3, 2, 3, 3, 1, 1, 0, 0),
        shape(2, 6, 5, 3, 4, 9, 3, 7, 0, 3),
        shape(4, 8, 11, 5, 6, 7, 2, 3, -1, -2),
        shape(3, 13, 10, 7, 7, 5, 3, 3, 1, 1, strides: (2, 2)),
        shape(2, 9, 17, 3, 3, 9, 5, 1, 0, 0, strides: (3, 2)),
        shape(2, 8, 8, 4, 4, 4, 1, 1, 0, 0, strides: (2, 2)),
    ]

    static func shape(
        _ inChannels: Int32, _ height: Int32, _ width: Int32, _ outChannels: Int32, _ outHeight: Int32,
        _ outWidth: Int32, _ kernelHeight: Int32, _ kernelWidth: Int32, _ padTop: Int32, _ padLeft: Int32,
        strides: (Int32, Int32) = (1, 1)
    ) -> fovea_direct_shape {
        fovea_direct_shape(
            in_channels: inChannels, height: height, width: width, out_channels: outChannels, out_height: outHeight,
            out_width: outWidth, kernel_height: kernelHeight, kernel_width: kernelWidth, pad_top: padTop,
            pad_left: padLeft, stride_height: strides.0, stride_width: strides.1)
    }

    /// The input value output (y, x) of channel c reads at kernel offset (i, j), 0 outside.
    static func directInput(_ x: [Float], _ s: fovea_direct_shape, c: Int, y: Int, x column: Int, i: Int, j: Int) -> Double {
        let row = Int(s.stride_height) * y + i - Int(s.pad_top)
        let col = Int(s.stride_width) * column + j - Int(s.pad_left)
        guard row >= 0, row < Int(s.height), col >= 0, col < Int(s.width) else { return 0 }
        return Double(x[(c * Int(s.height) + row) * Int(s.width) + col])
    }

    /// |value - expected|, infinite when value is not a number (`max` would pass over a NaN).
    static func difference(_ value: Float, _ expected: Float) -> Float {
        value.isNaN ? .infinity : abs(value - expected)
    }

    @Test(arguments: levels)
    func directCorrelationMatchesSums(level: Int32) {
        for s in Self.directShapes {
            let (cin, cout, kh, kw) = (Int(s.in_channels), Int(s.out_channels), Int(s.kernel_height), Int(s.kernel_width))
            let (oh, ow) = (Int(s.out_height), Int(s.out_width))
            let x = Self.values(cin * Int(s.height) * Int(s.width), seed: 70)
            let w = Self.values(cout * cin * kh * kw, seed: 71), bias = Self.values(cout, seed: 72)
            var y = [Float](repeating: .nan, count: cout * oh * ow)
            var scratch = [Float](repeating: .nan, count: fovea_direct_scratch(level, s))
            fovea_direct_correlate(level, x, s, w, bias, &scratch, &y)
            var worst: Float = 0
            for o in 0..<cout {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var sum = Double(bias[o])
                        for c in 0..<cin {
                            for i in 0..<kh {
                                for j in 0..<kw {
                                    let weight = Double(w[((o * cin + c) * kh + i) * kw + j])
                                    sum += weight * Self.directInput(x, s, c: c, y: oy, x: ox, i: i, j: j)
                                }
                            }
                        }
                        worst = max(worst, Self.difference(y[(o * oh + oy) * ow + ox], Float(sum)))
                    }
                }
            }
            #expect(worst < 1e-5, "level \(level), shape \(s): worst difference \(worst)")
        }
    }

    @Test(arguments: levels)
    func directWeightSumsMatchSums(level: Int32) {
        for s in Self.directShapes {
            let (cin, cout, kh, kw) = (Int(s.in_channels), Int(s.out_channels), Int(s.kernel_height), Int(s.kernel_width))
            let (oh, ow) = (Int(s.out_height), Int(s.out_width)), lanes = Int(fovea_direct_lanes(level))
            let images = 3, imageSize = cin * Int(s.height) * Int(s.width), outputSize = cout * oh * ow
            let x = Self.values(images * imageSize, seed: 73), dy = Self.values(images * outputSize, seed: 74)
            // Starting from 1 per lane: the images' products are added to what the sums hold.
            var sums = [Float](repeating: 1, count: cout * cin * kh * kw * lanes)
            var scratch = [Float](repeating: .nan, count: 2 * fovea_direct_scratch(level, s))
            // The first image alone, then the other two in one call.
            for (first, count) in [(0, 1), (1, 2)] {
                x.withUnsafeBufferPointer { input in
                    dy.withUnsafeBufferPointer { gradient in
                        fovea_direct_weight_sums(
                            level, input.baseAddress! + first * imageSize, gradient.baseAddress! + first * outputSize,
                            Int32(count), s, &scratch, &sums)
                    }
                }
            }
            var worst: Float = 0
            for o in 0..<cout {
                for c in 0..<cin {
                    for i in 0..<kh {
                        for j in 0..<kw {
                            var sum = Double(lanes)
                            for image in 0..<images {
                                let input = Array(x[image * imageSize..<(image + 1) * imageSize])
                                for oy in 0..<oh {
                                    for ox in 0..<ow {
                                        let g = Double(dy[image * outputSize + (o * oh + oy) * ow + ox])
                                        sum += g * Self.directInput(input, s, c: c, y: oy, x: ox, i: i, j: j)
                                    }
                                }
                            }
                            let index = ((o * cin + c) * kh + i) * kw + j
                            let total = sums[index * lanes..<(index + 1) * lanes].reduce(0, +)
                            worst = max(worst, Self.difference(total, Float(sum)))
                        }
                    }
                }
            }
            #expect(worst < 1e-4, "level \(level), shape \(s): worst difference \(worst)")
        }
    }
}
