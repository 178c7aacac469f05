import Foundation
import Fovea
import FoveaTestSupport
import Testing

@testable import FoveaCLI

/// `fovea gradcam` on a LeNet-5 checkpoint.
@Suite struct GradCAMCommandTests {
    @Test func writesAHeatmapOverTheImageAtItsOwnSize() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let lenet = try CommandLineTests.lenetCheckpoint(in: directory)
        let photo = ImageFolderCommandTests.images.appendingPathComponent("rgb.jpg").path
        let out = directory.appendingPathComponent("cam.png")
        try CommandLineTests.fovea(["gradcam", "--checkpoint", lenet, "--input", photo, "--out", out.path, "--device", "cpu"])
        let written = try ImageFile.read(out)
        #expect(written.shape == [3, 12, 16])
        try CommandLineTests.fovea([
            "gradcam", "--checkpoint", lenet, "--input", photo, "--layer", "3", "--class", "class 7",
            "--out", out.path, "--device", "cpu",
        ])
        #expect(
            CommandLineTests.failure(["gradcam", "--checkpoint", lenet, "--input", photo, "--class", "12", "--out", out.path])
                == "--class 12: use an index in 0..<10 or one of \((0..<10).map { "class \($0)" }.joined(separator: ", "))")
        #expect(
            CommandLineTests.failure(["gradcam", "--checkpoint", lenet, "--input", photo, "--layer", "99", "--out", out.path])?
                .hasPrefix("no module named '99': the model has 0, 1, 2") == true)
    }
}
