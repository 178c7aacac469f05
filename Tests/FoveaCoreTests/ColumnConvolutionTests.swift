import CVectorKernels
import FoveaTestSupport
import Testing

@testable import FoveaCore

/// Convolution by columns on shapes larger than the awkward ones of `ConvolutionTests`: column matrices of several packed
/// panels whose output rows cross panel edges, strided rows long enough for the vector gather and scatter of stride 2,
/// 1x1 stride-2 subsamples, patches deeper than one pass of the packed GEMM (256), groups, and output-channel counts
/// that fill one, half of one and more than one panel of the weight gradient, or few enough for its dot products along
/// the pixels (strided, 1x1 and stride-1 layouts). Forward, input gradient and weight gradient against direct loops.
@Suite struct ColumnConvolutionTests {
    /// (input shape, weight shape, stride, padding, groups).
    static let cases: [([Int], [Int], Int, Int, Int)] = [
        ([3, 5, 37, 35], [7, 5, 3, 3], 2, 1, 1),
        ([2, 6, 33, 40], [10, 3, 1, 1], 2, 0, 2),
        ([2, 2, 20, 26], [40, 2, 3, 3], 1, 1, 1),
        ([2, 36, 9, 11], [24, 12, 1, 1], 1, 0, 3),
        ([2, 3, 30, 30], [16, 3, 5, 5], 3, 2, 1),
        ([1, 32, 12, 12], [8, 32, 3, 3], 2, 1, 1),
        ([3, 3, 20, 30], [6, 3, 5, 5], 1, 2, 1),
        ([3, 3, 24, 24], [16, 3, 3, 3], 1, 1, 1),
    ]

    @Test(arguments: testDevices)
    func allPassesMatchDirectLoops(device: Device) throws {
        for (xShape, wShape, stride, padding, groups) in Self.cases {
            let x = try testTensor(Shape(xShape), device: device, seed: 51, requiresGrad: true)
            let w = try testTensor(Shape(wShape), device: device, seed: 52, requiresGrad: true)
            let y = try x.conv2d(weight: w, stride: Size2D(stride), padding: Padding.explicit(Size2D(padding)), groups: groups)
            let gy = try testTensor(y.shape, device: device, seed: 53)
            try y.backward(gy)
            let reference = DirectConvolution(
                x: try x.toArray(), xShape: xShape, w: try w.toArray(), wShape: wShape, stride: stride, padding: padding,
                groups: groups)
            let label = "\(xShape) * \(wShape) stride \(stride) groups \(groups) on \(device)"
            #expect(y.shape == Shape([xShape[0], wShape[0], reference.outH, reference.outW]), "\(label)")
            #expect(allClose(try y.toArray(), reference.forward(), atol: 1e-4), "forward \(label)")
            let (gx, gw) = reference.gradients(try gy.toArray())
            #expect(allClose(try #require(x.grad).toArray(), gx, atol: 1e-4), "input gradient \(label)")
            #expect(allClose(try #require(w.grad).toArray(), gw, atol: 1e-4), "weight gradient \(label)")
        }
    }

    /// The unfold into packed panels equals the row-major unfold packed by `fovea_pack`, at every SIMD level's panel
    /// width (8, 16, 32): output rows that cross panel edges, stride 2 (the vector gather) and stride 1.
    @Test(arguments: Array(0...fovea_simd_level()))
    func unfoldIntoPanelsMatchesPackedRows(level: Int32) {
        let geometries = [
            ConvolutionGeometry(
                batch: 1, inChannels: 2, height: 29, width: 27, outChannels: 1, kernel: 3, stride: 2, padding: 1,
                dilation: 1, groups: 1, output: Size2D(height: 15, width: 14)),
            ConvolutionGeometry(
                batch: 1, inChannels: 2, height: 9, width: 10, outChannels: 1, kernel: 5, stride: 1, padding: 2,
                dilation: 1, groups: 1, output: Size2D(height: 9, width: 10)),
        ]
        for g in geometries {
            let (rows, n) = (g.groupPatch, g.outputPlane)
            let image = ColumnConvolutionTests.values(g.inChannels * g.height * g.width)
            var columns = [Float](repeating: 0, count: rows * n)
            let size = fovea_packed_floats(level, Int32(rows), Int32(n))
            var expected = [Float](repeating: 0, count: size), panels = [Float](repeating: 0, count: size)
            image.withUnsafeBufferPointer { x in
                columns.withUnsafeMutableBufferPointer { c in
                    panels.withUnsafeMutableBufferPointer { p in
                        let width = Int(fovea_panel_width(level))
                        CPUBackend.unfold(
                            x.baseAddress!, g, channels: 0..<g.inChannels, into: .rows(c.baseAddress!, rowStride: n))
                        CPUBackend.unfold(
                            x.baseAddress!, g, channels: 0..<g.inChannels, into: .panels(p.baseAddress!, rows: rows, width: width)
                        )
                    }
                }
            }
            fovea_pack(level, Int32(rows), Int32(n), columns, Int32(n), 0, &expected)
            let wrong = zip(panels, expected).filter { $0 != $1 }.count
            #expect(wrong == 0, "level \(level) \(g.kernel) stride \(g.stride): \(wrong) of \(size) floats differ")
        }
    }

    /// Small integers, exact as floats, that differ from their neighbours.
    static func values(_ count: Int) -> [Float] { (0..<count).map { Float($0 % 97) - 48 } }
}

/// A grouped convolution with square stride and padding by direct loops: the output and both gradients.
private struct DirectConvolution {
    let x: [Float], xShape: [Int], w: [Float], wShape: [Int], stride: Int, padding: Int, groups: Int

    var outH: Int { (xShape[2] + 2 * padding - wShape[2]) / stride + 1 }
    var outW: Int { (xShape[3] + 2 * padding - wShape[3]) / stride + 1 }

    /// Calls `body(yIndex, xIndex, wIndex)` for every product of an input and a weight that adds to an output.
    func forEachProduct(_ body: (Int, Int, Int) -> Void) {
        let (n, c, h, wd) = (xShape[0], xShape[1], xShape[2], xShape[3])
        let (oc, cg, kh, kw) = (wShape[0], wShape[1], wShape[2], wShape[3])
        for b in 0..<n {
            for o in 0..<oc {
                for oy in 0..<outH {
                    for ox in 0..<outW {
                        for ci in 0..<cg {
                            for i in 0..<kh {
                                for j in 0..<kw {
                                    let iy = oy * stride - padding + i, ix = ox * stride - padding + j
                                    guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                                    let channel = (o / (oc / groups)) * cg + ci
                                    body(
                                        ((b * oc + o) * outH + oy) * outW + ox, ((b * c + channel) * h + iy) * wd + ix,
                                        ((o * cg + ci) * kh + i) * kw + j)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    func forward() -> [Float] {
        var y = [Float](repeating: 0, count: xShape[0] * wShape[0] * outH * outW)
        forEachProduct { yi, xi, wi in y[yi] += x[xi] * w[wi] }
        return y
    }

    func gradients(_ gy: [Float]) -> (input: [Float], weight: [Float]) {
        var gx = [Float](repeating: 0, count: x.count), gw = [Float](repeating: 0, count: w.count)
        forEachProduct { yi, xi, wi in
            gx[xi] += gy[yi] * w[wi]
            gw[wi] += gy[yi] * x[xi]
        }
        return (gx, gw)
    }
}
