import Foundation
import Fovea
import FoveaTestSupport
import Testing

@testable import FoveaCLI

/// `fovea train --init-from --freeze --unfreeze-after --lr-backbone`: a 10-class LeNet-5 fine-tuned on a 2-class folder.
@Suite struct TransferLearningTests {
    static func tensors(_ path: String) throws -> [String: [Float]] {
        try Safetensors.read(from: URL(fileURLWithPath: path)).tensors.mapValues { try $0.toArray() }
    }

    @Test func frozenTensorsStayBitIdenticalAndTheNewHeadTrains() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let pretrained = try CommandLineTests.lenetCheckpoint(in: directory)
        let photos = try ImageFolderCommandTests.folder(in: directory)
        let common = [
            "train", "--data", "folder:\(photos.path)", "--image-size", "28", "--channels", "1", "--init-from", pretrained,
            "--val-split", "0", "--device", "cpu", "--lr", "0.01",
        ]
        let frozenRun = directory.appendingPathComponent("frozen")
        try CommandLineTests.fovea(common + ["--epochs", "2", "--freeze", "0.,3.", "--out", frozenRun.path])
        let before = try Self.tensors(pretrained)
        let after = try Self.tensors(frozenRun.appendingPathComponent("checkpoints/last.safetensors").path)
        for name in ["0.weight", "0.bias", "3.weight", "3.bias"] { #expect(after[name] == before[name], "\(name) moved") }
        #expect(after["7.weight"] != before["7.weight"])
        #expect(after["11.weight"]?.count == 2 * 84 && after["11.bias"]?.count == 2)

        let thawedRun = directory.appendingPathComponent("thawed")
        try CommandLineTests.fovea(
            common + [
                "--epochs", "2", "--freeze", "0.,3.", "--unfreeze-after", "1", "--lr-backbone", "0.001",
                "--out", thawedRun.path,
            ])
        let thawed = try Self.tensors(thawedRun.appendingPathComponent("checkpoints/epoch-001.safetensors").path)
        #expect(thawed["0.weight"] == before["0.weight"])
        let last = try Self.tensors(thawedRun.appendingPathComponent("checkpoints/last.safetensors").path)
        #expect(last["0.weight"] != before["0.weight"] && last["3.weight"] != before["3.weight"])

        // A run resumed after --unfreeze-after trains its backbone; one resumed before it keeps it frozen until then.
        let resumed = directory.appendingPathComponent("resumed")
        let options = common + ["--freeze", "0.,3.", "--unfreeze-after", "2", "--out", resumed.path]
        try CommandLineTests.fovea(options + ["--epochs", "1"])
        try CommandLineTests.fovea(options + ["--epochs", "2", "--resume", resumed.path])
        #expect(
            try Self.tensors(resumed.appendingPathComponent("checkpoints/last.safetensors").path)["0.weight"]
                == before["0.weight"])
        try CommandLineTests.fovea(options + ["--epochs", "3", "--resume", resumed.path])
        #expect(
            try Self.tensors(resumed.appendingPathComponent("checkpoints/last.safetensors").path)["0.weight"]
                != before["0.weight"])
    }

    @Test func mistakesAreOneLine() throws {
        let directory = try TrainingFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let pretrained = try CommandLineTests.lenetCheckpoint(in: directory)
        let photos = try ImageFolderCommandTests.folder(in: directory, copies: 1)
        let out = directory.appendingPathComponent("run").path
        let data = [
            "--data", "folder:\(photos.path)", "--image-size", "28", "--channels", "1", "--epochs", "1", "--device", "cpu",
            "--out", out,
        ]
        #expect(
            CommandLineTests.failure(["train", "--init-from", pretrained, "--model", "mlp"] + data)
                == "--init-from \(pretrained): holds a lenet5 model, not --model mlp")
        #expect(
            CommandLineTests.failure(["train", "--init-from", pretrained, "--freeze", "features."] + data)?
                .hasPrefix("--freeze features.: 'features.' starts no parameter name of the model (0.weight, 0.bias") == true)
        #expect(
            CommandLineTests.failure(["train", "--unfreeze-after", "2"] + data)
                == "--unfreeze-after: needs --freeze (the parameters it applies to)")
        let rgb = [
            "--data", "folder:\(photos.path)", "--image-size", "28", "--channels", "3", "--epochs", "1", "--device", "cpu",
            "--out", out,
        ]
        #expect(
            CommandLineTests.failure(["train", "--init-from", pretrained] + rgb)?
                .hasPrefix("\(pretrained): does not fit --model lenet5: ") == true)
    }
}
