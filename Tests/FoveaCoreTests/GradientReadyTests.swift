import FoveaCore
import FoveaTestSupport
import Testing

/// `backward(onGradientReady:)` hands over each leaf's gradient as soon as it is complete, once, during the sweep.
@Suite struct GradientReadyTests {
    @Test(arguments: testDevices)
    func eachLeafIsReportedOnceWithItsWholeGradientBeforeEarlierLayersFinish(device: Device) throws {
        let x = try Tensor([1, 2, -1], device: device)
        let w1 = try Tensor([0.5, -1, 2], device: device, requiresGrad: true)
        let w2 = try Tensor([3, 1, -2], device: device, requiresGrad: true)
        // y = sum(w1 * x * w2) + sum(3 * w1): w1 takes part twice, w2 once and later in the forward.
        let y = try ((w1 * x) * w2).sum() + (w1 * 3).sum()
        var reports: [(name: String, gradient: [Float], otherDone: Bool)] = []
        try y.backward(onGradientReady: { leaf in
            let name = leaf === w1 ? "w1" : leaf === w2 ? "w2" : "other"
            reports.append((name, try leaf.grad!.toArray(), (leaf === w1 ? w2 : w1).grad != nil))
        })
        #expect(reports.map(\.name) == ["w2", "w1"])
        #expect(reports.map(\.otherDone) == [false, true])
        // dy/dw2 = w1 * x; dy/dw1 = x * w2 + 3.
        #expect(reports[0].gradient == [0.5, -2, -2])
        #expect(reports[1].gradient == [6, 5, 5])
        #expect(try w1.grad!.toArray() == [6, 5, 5] && w2.grad!.toArray() == [0.5, -2, -2])
    }

    @Test func aLeafWithoutANodeIsReportedToo() throws {
        let w = try Tensor([2], shape: [], requiresGrad: true)
        var reported: [Float] = []
        try w.backward(onGradientReady: { reported += try $0.grad!.toArray() })
        #expect(reported == [1])
    }
}
