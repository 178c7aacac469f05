import Foundation
import Fovea
import FoveaTestSupport
import Testing

@testable import FoveaCLI

/// Activation maps through forward hooks, grids of tiles, and `fovea features`.
@Suite struct FeatureMapsTests {
    @Test func gridScalesEachTileAndSeparatesThemWithWhite() {
        // Three 1x2 tiles in a 2x2 grid, enlarged twice: [0, 2] -> [0, 1], [5, 5] (flat) -> 0.5, [-1, 1] -> [0, 1].
        let grid = FeatureMaps.grid([0, 2, 5, 5, -1, 1], count: 3, channels: 1, height: 1, width: 2, scale: 2)
        #expect(grid.shape == [1, 5, 9])
        let rows = stride(from: 0, to: 45, by: 9).map { Array(grid.values[$0..<$0 + 9]) }
        #expect(rows[0] == [0, 0, 1, 1, 1, 0.5, 0.5, 0.5, 0.5] && rows[1] == rows[0])
        #expect(rows[2] == Array(repeating: 1, count: 9))
        #expect(rows[3] == [0, 0, 1, 1, 1, 1, 1, 1, 1] && rows[4] == rows[3])
        #expect(FeatureMaps.scale(height: 5, width: 4, toAtLeast: 32) == 7)
    }

    @Test(arguments: testDevices)
    func activationsAreTheLayersOutput(device: Device) throws {
        let model = try Sequential {
            Conv2D(1, 2, kernelSize: 1); ReLU(); Flatten()
        }.to(device)
        let input = try testTensor([1, 1, 3, 3], device: device)
        let maps = try FeatureMaps.activations(of: "1", in: model, input: input)
        #expect(maps.shape == [1, 2, 3, 3])
        #expect(try maps.toArray() == (try withNoGrad { try model(input) }.toArray()))
        #expect(model[1].namedModules.count == 1)
    }

    @Test func featuresWritesMapsAndFilters() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let lenet = try CommandLineTests.lenetCheckpoint(in: directory)
        let photo = ImageFolderCommandTests.images.appendingPathComponent("gray.png").path
        let out = directory.appendingPathComponent("maps.png")
        try CommandLineTests.fovea([
            "features", "--checkpoint", lenet, "--input", photo, "--layer", "1", "--out", out.path, "--device", "cpu",
        ])
        #expect(try ImageFile.read(out).shape == [1, 2 * 85 - 1, 3 * 85 - 1])  // six 28x28 maps, enlarged 3 times
        try CommandLineTests.fovea(["features", "--checkpoint", lenet, "--filters", "--out", out.path, "--device", "cpu"])
        #expect(try ImageFile.read(out).shape == [1, 2 * 36 - 1, 3 * 36 - 1])  // six 5x5 kernels, enlarged 7 times
        #expect(
            CommandLineTests.failure(["features", "--checkpoint", lenet, "--input", photo, "--layer", "7", "--out", out.path])
                == "--layer 7: gives [1, 120], not maps [1, channels, height, width]; choose a convolution, activation or pooling layer"
        )
    }
}
