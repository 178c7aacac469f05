import Foundation
import FoveaCore

/// Labelled images in class folders, `DIR/CLASS/*.{png,jpg,jpeg}`, as torchvision's `ImageFolder` and Keras'
/// `image_dataset_from_directory` read them: the class names are the folder names, sorted, and files are taken in
/// name order. Images are decoded when a sample is read (in a `DataLoader`'s background thread), converted to the
/// dataset's channels and resized (bilinear) to its height and width.
public struct ImageFolderDataset: Dataset, Sendable {
    /// The image files, class after class.
    public let files: [URL]
    /// The class index of each file.
    public let fileLabels: [Int]
    public let classNames: [String]
    /// [channels, height, width] of every sample.
    public let sampleShape: Shape

    /// Lists the images of `directory`. `imageSize` (height, width) and `channels` (1 or 3) default to those of the
    /// first image; every image is converted and resized to them when it is read. `classNames`, when given, must name
    /// every class folder (a test part takes the training part's classes this way).
    public init(directory: URL, imageSize: (height: Int, width: Int)? = nil, channels: Int? = nil, classNames: [String]? = nil)
        throws
    {
        let found = try Self.classFolders(directory)
        let names = classNames ?? found
        if let stray = found.first(where: { !names.contains($0) }) {
            throw FoveaError.badFile(
                path: directory.appendingPathComponent(stray).path,
                reason: "is a class the training images do not have (\(names.joined(separator: ", ")))")
        }
        var files: [URL] = [], labels: [Int] = []
        for (label, name) in names.enumerated() where found.contains(name) {
            let folder = directory.appendingPathComponent(name)
            let images = try Self.contents(folder).filter {
                ImageFile.extensions.contains(($0 as NSString).pathExtension.lowercased())
            }
            guard !images.isEmpty else {
                throw FoveaError.badFile(path: folder.path, reason: "holds no .png, .jpg or .jpeg image")
            }
            files += images.map { folder.appendingPathComponent($0) }
            labels += Array(repeating: label, count: images.count)
        }
        if let channels, channels != 1 && channels != 3 { throw FoveaError.invalidArgument("--channels \(channels): use 1 or 3") }
        if let imageSize,
            imageSize.height <= 0 || imageSize.width <= 0 || imageSize.height * imageSize.width > ImageFile.largestImage
        {
            throw FoveaError.invalidArgument(
                "--image-size \(imageSize.height),\(imageSize.width): must be positive and at most \(ImageFile.largestImage) pixels"
            )
        }
        var shape: Shape
        if let imageSize, let channels {
            shape = [channels, imageSize.height, imageSize.width]
        } else {
            let first = try ImageFile.read(files[0]).shape
            shape = [channels ?? first[0], imageSize?.height ?? first[1], imageSize?.width ?? first[2]]
        }
        self.files = files
        self.fileLabels = labels
        self.classNames = names
        self.sampleShape = shape
    }

    public var count: Int { files.count }
    public func label(at index: Int) -> Int { fileLabels[index] }

    /// Decodes file `index`, converts and resizes it to `sampleShape`.
    public func copyFeatures(at index: Int, into destination: UnsafeMutablePointer<Float>) throws {
        let image = try ImageFile.read(files[index])
        let values = try ImageProcessing.fitted(image, to: sampleShape)
        values.withUnsafeBufferPointer { destination.update(from: $0.baseAddress!, count: values.count) }
    }

    /// The class folders of `directory`, sorted.
    static func classFolders(_ directory: URL) throws -> [String] {
        let names = try contents(directory).filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }
        guard !names.isEmpty else {
            throw FoveaError.badFile(
                path: directory.path, reason: "has no class folders: put the images of each class in DIR/CLASS/")
        }
        return names
    }

    /// The visible entries of `directory`, sorted by name.
    private static func contents(_ directory: URL) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw FoveaError.file(directory.path, error, doing: "cannot list the image folder")
        }
    }
}
