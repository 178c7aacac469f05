import FoveaTestSupport
import Testing

@testable import FoveaCore

/// Both direct convolution kernel sets (GPU style and CPU rows) against the im2col + GEMM path on the same OpenCL device,
/// at shapes that hit the channel-tile and row-segment remainders, strides, dilations, uneven padding and the split
/// weight-gradient reduction.
@Suite struct OpenCLDirectConvolutionTests {
    static let openCLDevices = testDevices.filter { $0 != .cpu }

    /// (batch, inChannels, height, width, outChannels, kernel, stride, padding, dilation)
    static let shapes: [(Int, Int, Int, Int, Int, Size2D, Size2D, Size2D, Size2D)] = [
        (1, 1, 5, 5, 1, Size2D(3), Size2D(1), Size2D(0), Size2D(1)),
        (7, 3, 9, 11, 10, Size2D(3), Size2D(2), Size2D(1), Size2D(1)),
        (
            2, 9, 8, 7, 4, Size2D(height: 2, width: 3), Size2D(height: 1, width: 2), Size2D(height: 1, width: 0),
            Size2D(height: 2, width: 1)
        ),
        (3, 6, 14, 14, 16, Size2D(5), Size2D(1), Size2D(2), Size2D(1)),
        (5, 1, 6, 6, 1, Size2D(5), Size2D(1), Size2D(2), Size2D(1)),
        (2, 2, 5, 37, 3, Size2D(height: 1, width: 3), Size2D(1), Size2D(height: 0, width: 4), Size2D(height: 1, width: 2)),
    ]

    /// The GPU style, and the CPU rows at both row segments that pick a channel tile (8 floats: tiles of 8 channels;
    /// 16: tiles of 16), whatever this device's vector width.
    @Test(arguments: openCLDevices, [(true, 8), (false, 8), (false, 16)])
    func directKernelsMatchColumnPath(device: Device, style: (gpu: Bool, rowSegment: Int)) throws {
        guard case .opencl(let index) = device else { return }
        let backend = try OpenCLBackend.backend(forDevice: index)
        let style = OpenCLBackend.DirectConvolutionStyle(gpu: style.gpu, rowSegment: style.rowSegment)
        for (seed, s) in Self.shapes.enumerated() {
            let (n, c, h, w, oc, k, stride, padding, dilation) = s
            let output = Size2D(
                height: (h + 2 * padding.height - dilation.height * (k.height - 1) - 1) / stride.height + 1,
                width: (w + 2 * padding.width - dilation.width * (k.width - 1) - 1) / stride.width + 1)
            let g = ConvolutionGeometry(
                batch: n, inChannels: c, height: h, width: w, outChannels: oc, kernel: k,
                stride: stride, padding: padding, dilation: dilation, groups: 1, output: output)
            let x = try testTensor([n, c, h, w], device: device, seed: UInt64(seed + 1))
            let weight = try testTensor([oc, c, k.height, k.width], device: device, seed: UInt64(seed + 11))
            let bias = try testTensor([oc], device: device, seed: UInt64(seed + 21))
            let gy = try testTensor([n, oc, output.height, output.width], device: device, seed: UInt64(seed + 31))
            func run(_ body: (Storage) throws -> Void, count: Int) throws -> [Float] {
                let out = try backend.allocate(count)
                try body(out)
                return try backend.download(out, offset: 0, count: count)
            }
            let y = try run(
                {
                    try backend.directConv2d(
                        x.storage, weight: weight.storage, bias: bias.storage, geometry: g, into: $0, style: style)
                }, count: gy.count)
            let yRef = try run(
                { try backend.conv2dViaColumns(x.storage, weight: weight.storage, bias: bias.storage, geometry: g, into: $0) },
                count: gy.count)
            #expect(allClose(y, yRef), "forward \(s): max difference \(maxAbsDifference(y, yRef))")
            let gx = try run(
                { try backend.directConv2dBackwardData(gy.storage, weight: weight.storage, geometry: g, into: $0, style: style) },
                count: x.count)
            let gxRef = try run(
                { try backend.conv2dBackwardDataViaColumns(gy.storage, weight: weight.storage, geometry: g, into: $0) },
                count: x.count)
            #expect(allClose(gx, gxRef), "backward data \(s): max difference \(maxAbsDifference(gx, gxRef))")
            let gw = try run(
                { try backend.directConv2dBackwardWeight(gy.storage, input: x.storage, geometry: g, into: $0, style: style) },
                count: weight.count)
            let gwRef = try run(
                { try backend.conv2dBackwardWeightViaColumns(gy.storage, input: x.storage, geometry: g, into: $0) },
                count: weight.count)
            #expect(allClose(gw, gwRef, atol: 1e-4), "backward weight \(s): max difference \(maxAbsDifference(gw, gwRef))")
        }
    }
}
