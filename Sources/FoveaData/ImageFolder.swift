import Foundation
import FoveaCore

/// A folder of labelled images split into a training and a test part.
public enum ImageFolder {
    /// `DIR/train` and `DIR/test` when both exist (the test part takes the training part's class names), otherwise
    /// the class folders of `DIR` split at random (seeded) with `testFraction` of the images for testing.
    public static func load(
        _ directory: URL, imageSize: (height: Int, width: Int)? = nil, channels: Int? = nil,
        testFraction: Double, seed: UInt64
    ) throws -> (train: any Dataset, test: any Dataset) {
        let trainFolder = directory.appendingPathComponent("train"), testFolder = directory.appendingPathComponent("test")
        var isDirectory: ObjCBool = false
        let parts = [trainFolder, testFolder].allSatisfy {
            FileManager.default.fileExists(atPath: $0.path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
        if parts {
            let train = try ImageFolderDataset(directory: trainFolder, imageSize: imageSize, channels: channels)
            let size = (train.sampleShape[1], train.sampleShape[2])
            let test = try ImageFolderDataset(
                directory: testFolder, imageSize: size, channels: train.sampleShape[0], classNames: train.classNames)
            return (train, test)
        }
        guard testFraction > 0, testFraction < 1 else {
            throw FoveaError.invalidArgument(
                "--test-split \(testFraction): \(directory.path) has no train/ and test/ folders, so a fraction in (0, 1) of its images is held out for testing"
            )
        }
        let all = try ImageFolderDataset(directory: directory, imageSize: imageSize, channels: channels)
        let split = try DatasetSubset.split(all, validationFraction: testFraction, seed: seed)
        guard split.validation.count > 0, split.train.count > 0 else {
            throw FoveaError.invalidArgument(
                "--test-split \(testFraction): \(all.count) images leave no image for \(split.train.count == 0 ? "training" : "testing")"
            )
        }
        return (split.train, split.validation)
    }
}
