import Foundation
import Fovea
import FoveaTestSupport
import Testing

@testable import FoveaCLI

/// `fovea train --data folder:DIR` and what goes with it, on folders of the decoding fixtures.
@Suite struct ImageFolderCommandTests {
    static let images = repositoryRoot.appendingPathComponent("Tests/FoveaDataTests/Fixtures/images")

    /// `DIR/CLASS/` folders: class "jpeg" holds copies of the JPEG fixtures, class "png" of the PNG ones.
    static func folder(in directory: URL, copies: Int = 3) throws -> URL {
        let root = directory.appendingPathComponent("photos")
        for (label, names) in [("jpeg", ["rgb.jpg", "gray.jpg"]), ("png", ["rgb.png", "gray.png", "palette.png"])] {
            let folder = root.appendingPathComponent(label)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for copy in 0..<copies {
                for name in names {
                    try FileManager.default.copyItem(
                        at: images.appendingPathComponent(name), to: folder.appendingPathComponent("\(copy)-\(name)"))
                }
            }
        }
        return root
    }

    @Test func trainsEvaluatesAndPredictsOnAFolderOfImages() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let photos = try Self.folder(in: directory)
        let run = directory.appendingPathComponent("run")
        let options = [
            "--data", "folder:\(photos.path)", "--image-size", "16,12", "--channels", "3", "--test-split", "0.25", "--seed", "3",
        ]
        try CommandLineTests.fovea(
            ["train", "--model", "lenet5", "--epochs", "1", "--val-split", "0", "--device", "cpu", "--out", run.path] + options)
        let config = try JSONDecoder().decode(
            [String: String].self, from: Data(contentsOf: run.appendingPathComponent("config.json")))
        #expect(config["input_shape"] == "3,16,12" && config["class_names"] == "jpeg|png" && config["image_size"] == "16,12")
        #expect(try CommandLineTests.metrics(run).test?["test_accuracy"] != nil)
        let checkpoint = run.appendingPathComponent("checkpoints/last.safetensors").path
        try CommandLineTests.fovea(["evaluate", "--checkpoint", checkpoint, "--device", "cpu"])
        let evaluate = try #require(try FoveaCommand.parseAsRoot(["evaluate", "--checkpoint", checkpoint]) as? EvaluateCommand)
        #expect(try evaluate.runSplit() == (0.25, 3, 0))  // the run's, from its config.json
        let given = try #require(
            try FoveaCommand.parseAsRoot(["evaluate", "--checkpoint", checkpoint, "--seed", "4"]) as? EvaluateCommand)
        #expect(try given.runSplit() == (0.25, 4, 0))
        try CommandLineTests.fovea([
            "predict", "--checkpoint", checkpoint, "--input", Self.images.appendingPathComponent("gray.png").path,
            "--device", "cpu",
        ])
    }

    @Test func torchvisionResNet18TrainsOnAFolderWithImageNetNormalization() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let photos = try Self.folder(in: directory, copies: 1)
        let run = directory.appendingPathComponent("run")
        try CommandLineTests.fovea([
            "train", "--model", "resnet18", "--data", "folder:\(photos.path)", "--image-size", "32", "--channels", "3",
            "--normalize", "imagenet", "--epochs", "1", "--max-steps", "1", "--val-split", "0", "--device", "cpu",
            "--out", run.path,
        ])
        let (tensors, metadata) = try Safetensors.read(from: run.appendingPathComponent("checkpoints/last.safetensors"))
        #expect(metadata["normalize_mean"] == "0.485,0.456,0.406" && tensors["layer4.1.bn2.running_mean"]?.shape == [512])
        #expect(tensors["fc.weight"]?.shape == [2, 512])
    }

    @Test func folderOptionsAreCheckedInOneLine() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let photos = try Self.folder(in: directory, copies: 1)
        let out = directory.appendingPathComponent("run").path
        func train(_ options: [String]) -> String? {
            CommandLineTests.failure(["train", "--epochs", "1", "--device", "cpu", "--out", out] + options)
        }
        #expect(
            train(["--data", "folder:\(photos.path)", "--image-size", "0,4"])
                == "--image-size 0,4: expected H,W or H: positive sizes of at most \(ImageFile.largestImage) pixels")
        #expect(train(["--data", "folder:\(photos.path)", "--channels", "2"]) == "--channels 2: use 1 or 3")
        #expect(
            train(["--data", "csv:\(irisCSV.path)", "--model", "mlp", "--image-size", "8"])
                == "--image-size: only for --data folder:DIR, not csv:\(irisCSV.path)")
        #expect(!FileManager.default.fileExists(atPath: out))
        // Images are decoded as batches are made: a broken one stops the run there, naming the file.
        let broken = photos.appendingPathComponent("png/0-rgb.png")
        try Data(try Data(contentsOf: broken).prefix(40)).write(to: broken)
        let message = train(["--data", "folder:\(photos.path)", "--model", "mlp", "--image-size", "8", "--test-split", "0.4"])
        #expect(message?.hasPrefix("\(broken.path): corrupt or truncated PNG") == true, "\(message ?? "")")
    }
}
