import Foundation
import Fovea
import FoveaTestSupport
import Testing

/// Grad-CAM against a case small enough to compute by hand.
@Suite struct GradCAMTests {
    /// 1x1 convolution to two channels (weights 1 and -1, biases -2.5 and 0), flatten, and a dense layer whose first
    /// row reads the maps at [1, 0, 0, 1 | 0, 0, 0, -2] and whose second row is zero.
    ///
    /// For the input [1, 2, 3, 4] the maps are A0 = [-1.5, -0.5, 0.5, 1.5] and A1 = [-1, -2, -3, -4]; class 0 scores
    /// -1.5 + 1.5 + 8 = 8 and class 1 scores 0. The class-0 gradients are [1, 0, 0, 1] and [0, 0, 0, -2], so the
    /// channel weights are 0.5 and -0.5; 0.5 A0 - 0.5 A1 = [-0.25, 0.75, 1.75, 2.75], whose ReLU, min-max scaled, is
    /// [0, 0.75, 1.75, 2.75] / 2.75.
    static func model(device: Device) throws -> Sequential {
        let conv = Conv2D(1, 2, kernelSize: 1)
        conv.weight.value = try Tensor([1, -1], shape: [2, 1, 1, 1])
        conv.bias!.value = try Tensor([-2.5, 0], shape: [2])
        let dense = Dense(8, 2)
        dense.weight.value = try Tensor([1, 0, 0, 1, 0, 0, 0, -2] + [Float](repeating: 0, count: 8), shape: [2, 8])
        dense.bias!.value = try Tensor([0, 0], shape: [2])
        return try Sequential {
            conv; Flatten(); dense
        }.to(device)
    }

    @Test(arguments: testDevices)
    func matchesTheHandComputedHeatmap(device: Device) throws {
        let model = try Self.model(device: device)
        model.eval()
        let input = try Tensor([1, 2, 3, 4], shape: [1, 1, 2, 2], device: device)
        #expect(try GradCAM.lastConvolution(in: model) == "0")
        let result = try GradCAM.compute(model: model, input: input)
        #expect(result.classIndex == 0 && result.predicted.classIndex == 0)
        #expect(abs(result.predicted.probability - 1 / (1 + exp(-8))) < 1e-5)
        #expect(allClose(result.heatmap, [0, 0.75 / 2.75, 1.75 / 2.75, 1]))
        #expect(model.parameters.allSatisfy { $0.grad == nil })

        // Upsampled to 4x4 before scaling: the bilinear upsampling of the ReLU map, min-max scaled.
        let large = try GradCAM.compute(model: model, input: input, size: (4, 4))
        let upsampled = ImageProcessing.resized([0, 0.75, 1.75, 2.75], shape: [1, 2, 2], height: 4, width: 4)
        #expect(allClose(large.heatmap, upsampled.map { $0 / 2.75 }))

        // Class 1's score does not depend on the maps: a flat (zero) heatmap.
        let other = try GradCAM.compute(model: model, input: input, classIndex: 1)
        #expect(other.classIndex == 1 && other.predicted.classIndex == 0 && other.heatmap == [0, 0, 0, 0])
        #expect(throws: FoveaError.invalidArgument("Grad-CAM: class 2 is outside 0..<2")) {
            try GradCAM.compute(model: model, input: input, classIndex: 2)
        }
        #expect(throws: FoveaError.invalidArgument("no module named 'conv': the model has 0, 1, 2")) {
            try GradCAM.compute(model: model, input: input, layer: "conv")
        }
    }

    @Test func overlayBlendsTheJetColours() throws {
        #expect(GradCAM.jet(0) == (0, 0, 0.5) && GradCAM.jet(0.5) == (0.5, 1, 0.5) && GradCAM.jet(1) == (0.5, 0, 0))
        let blended = try GradCAM.overlay([0, 1], on: [1, 0], shape: [1, 1, 2])
        #expect(blended == [0.5, 0.25, 0.5, 0, 0.75, 0])
    }

    @Test func forwardHooksSeeAndReplaceOutputs() throws {
        let model = Sequential {
            ReLU(); Flatten()
        }
        var seen: [Float] = []
        let handle = model[0].registerForwardHook { _, _, output in
            seen = try output.toArray()
            return try output * 2
        }
        #expect(try model(Tensor([-1, 3], shape: [1, 2])).toArray() == [0, 6])
        #expect(seen == [0, 3])
        handle.remove()
        #expect(try model(Tensor([-1, 3], shape: [1, 2])).toArray() == [0, 3])
        #expect(model.namedModules.map(\.0) == ["", "0", "1"])
    }
}
