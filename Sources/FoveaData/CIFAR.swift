import Foundation
import FoveaCore

/// The CIFAR-10 and CIFAR-100 binary versions: fixed-size records of label byte(s) then a 3x32x32 image
/// (channel-major: 1024 red, 1024 green, 1024 blue bytes). Images load as [3, 32, 32] in [0, 1].
public enum CIFAR {
    /// Which CIFAR-100 label is the target.
    public enum Label: Sendable { case fine, coarse }

    static let imageBytes = 3 * 32 * 32

    /// CIFAR-10's classes, in label order.
    public static let classNames10 = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

    /// CIFAR-100's 100 fine classes, in label order.
    public static let fineClassNames100 = [
        "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
        "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
        "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
        "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
        "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
        "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
        "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
        "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
        "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
        "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
    ]

    /// CIFAR-100's 20 coarse classes (superclasses), in label order.
    public static let coarseClassNames100 = [
        "aquatic_mammals", "fish", "flowers", "food_containers", "fruit_and_vegetables",
        "household_electrical_devices", "household_furniture", "insects", "large_carnivores",
        "large_man-made_outdoor_things", "large_natural_outdoor_scenes", "large_omnivores_and_herbivores",
        "medium_mammals", "non-insect_invertebrates", "people", "reptiles", "small_mammals", "trees",
        "vehicles_1", "vehicles_2",
    ]

    /// Loads CIFAR-10 from `directory` (`data_batch_1.bin` ... `data_batch_5.bin` for training, `test_batch.bin` for testing).
    public static func load10(directory: URL, split: DatasetSplit) throws -> InMemoryDataset {
        let names = split == .train ? (1...5).map { "data_batch_\($0).bin" } : ["test_batch.bin"]
        var images: [Float] = []
        var labels: [Int32] = []
        for name in names {
            let records = try readRecords(directory.appendingPathComponent(name), labelBytes: 1, classCounts: [10])
            images += records.images
            labels += records.labels[0]
        }
        return try InMemoryDataset(features: images, labels: labels, sampleShape: [3, 32, 32], classNames: classNames10)
    }

    /// Loads CIFAR-100 from `directory` (`train.bin` or `test.bin`) with both labels: two datasets
    /// that share one copy of the images, labelled by fine and by coarse class.
    public static func load100(directory: URL, split: DatasetSplit) throws -> (fine: InMemoryDataset, coarse: InMemoryDataset) {
        let url = directory.appendingPathComponent(split == .train ? "train.bin" : "test.bin")
        let records = try readRecords(url, labelBytes: 2, classCounts: [20, 100])
        let fine = try InMemoryDataset(
            features: records.images, labels: records.labels[1],
            sampleShape: [3, 32, 32], classNames: fineClassNames100)
        return (fine, try fine.relabeled(records.labels[0], classNames: coarseClassNames100))
    }

    /// Loads CIFAR-100 labelled by `target` (fine: 100 classes, coarse: 20 superclasses).
    public static func load100(directory: URL, split: DatasetSplit, target: Label) throws -> InMemoryDataset {
        let both = try load100(directory: directory, split: split)
        return target == .fine ? both.fine : both.coarse
    }

    /// Reads a file of records `labelBytes` label bytes + 3072 image bytes; label k must be below `classCounts[k]`.
    static func readRecords(_ url: URL, labelBytes: Int, classCounts: [Int]) throws -> (images: [Float], labels: [[Int32]]) {
        let bytes = try ByteStream(file: url).readToEnd()
        let recordSize = labelBytes + imageBytes
        guard !bytes.isEmpty, bytes.count % recordSize == 0 else {
            throw FoveaError.badFile(
                path: url.path,
                reason:
                    "size \(bytes.count) bytes is not a positive multiple of the \(recordSize)-byte record (\(labelBytes) label byte\(labelBytes > 1 ? "s" : "") + \(imageBytes) pixels)"
            )
        }
        let count = bytes.count / recordSize
        var labels = [[Int32]](repeating: [], count: labelBytes)
        var pixels = [UInt8](repeating: 0, count: count * imageBytes)
        for record in 0..<count {
            let start = record * recordSize
            for k in 0..<labelBytes {
                let label = bytes[start + k]
                guard Int(label) < classCounts[k] else {
                    throw FoveaError.badFile(
                        path: url.path,
                        reason:
                            "record \(record): label \(label) is outside 0..<\(classCounts[k]) (is this a CIFAR-\(labelBytes == 1 ? "10" : "100") file?)"
                    )
                }
                labels[k].append(Int32(label))
            }
            pixels.withUnsafeMutableBufferPointer { destination in
                bytes.withUnsafeBufferPointer { source in
                    (destination.baseAddress! + record * imageBytes)
                        .update(from: source.baseAddress! + start + labelBytes, count: imageBytes)
                }
            }
        }
        return (scaledToUnit(pixels), labels)
    }
}
