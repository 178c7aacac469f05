import Foundation
import FoveaCore

/// The characters (Unicode scalars) of a text, each with an Int32 id, in scalar order: a character-level language
/// model's inputs and classes.
public struct CharacterVocabulary: Sendable {
    /// The characters in id order.
    public let characters: [Unicode.Scalar]
    private let ids: [Unicode.Scalar: Int32]

    /// The distinct characters of `text`.
    public init(text: String) {
        characters = Set(text.unicodeScalars).sorted()
        ids = Dictionary(uniqueKeysWithValues: characters.enumerated().map { ($1, Int32($0)) })
    }

    /// The vocabulary of `characters` in this order (as a saved one gives them back); throws unless there are two
    /// or more and none repeats.
    public init(characters: [Unicode.Scalar]) throws {
        guard characters.count >= 2 else {
            throw FoveaError.invalidArgument("CharacterVocabulary: \(characters.count) characters; a text needs two or more")
        }
        var ids: [Unicode.Scalar: Int32] = [:]
        for (offset, character) in characters.enumerated() where ids.updateValue(Int32(offset), forKey: character) != nil {
            throw FoveaError.invalidArgument(
                "CharacterVocabulary: character U+\(String(character.value, radix: 16, uppercase: true)) appears twice")
        }
        self.characters = characters
        self.ids = ids
    }

    public var count: Int { characters.count }

    /// The ids of `text`'s characters; throws at the first one the vocabulary lacks.
    public func encode(_ text: String) throws -> [Int32] {
        try text.unicodeScalars.map { character in
            guard let id = ids[character] else {
                throw FoveaError.invalidArgument(
                    "character '\(character.escaped(asASCII: true))' is none of the \(count) characters the model knows")
            }
            return id
        }
    }
}

/// A text cut into windows of characters that predict the next one, split in reading order.
public enum CharacterText {
    /// Reads the UTF-8 text `url` and gives every window of `window` character ids (as Float32 values) labelled with
    /// the character after it: those whose next character lies in the first 90% of the text train, the next 5%
    /// validate and the last 5% test (their windows may read the text before them, as a reader would). The ids are
    /// those of the text's own characters, or of `vocabulary` when given (a trained model's: every character of the
    /// text must be one of them).
    public static func load(_ url: URL, window: Int, vocabulary trained: CharacterVocabulary? = nil)
        throws -> (train: CharacterWindows, validation: CharacterWindows, test: CharacterWindows, vocabulary: CharacterVocabulary)
    {
        guard window > 0, window <= 1 << 16 else {
            throw FoveaError.invalidArgument("CharacterText: window \(window) must be in 1...65536")
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw FoveaError.file(url.path, error, doing: "cannot read the text") }
        guard let text = String(data: data, encoding: .utf8) else {
            throw FoveaError.badFile(path: url.path, reason: "is not UTF-8 text")
        }
        let vocabulary = trained ?? CharacterVocabulary(text: text)
        guard vocabulary.count >= 2 else {
            throw FoveaError.badFile(
                path: url.path, reason: "has \(vocabulary.count) distinct characters; a text needs two or more")
        }
        let ids: [Int32]
        do { ids = try vocabulary.encode(text) } catch let error as FoveaError {
            throw FoveaError.badFile(path: url.path, reason: error.description)
        }
        let validationStart = ids.count - ids.count / 10, testStart = ids.count - ids.count / 20
        guard validationStart > window, testStart > validationStart, ids.count > testStart else {
            throw FoveaError.badFile(
                path: url.path,
                reason: "its \(ids.count) characters are too few for windows of \(window) in training, validation and test parts")
        }
        let names = vocabulary.characters.map { String($0) }
        func part(_ targets: Range<Int>) -> CharacterWindows {
            CharacterWindows(
                ids: Array(ids[(targets.lowerBound - window)..<targets.upperBound]), window: window, classNames: names)
        }
        return (part(window..<validationStart), part(validationStart..<testStart), part(testStart..<ids.count), vocabulary)
    }
}

/// Every window of a stretch of character ids: sample i is ids[i ..< i + window] ([window] ids as Float32 values),
/// labelled with ids[i + window].
public struct CharacterWindows: Dataset, Sendable {
    public let ids: [Int32]
    public let window: Int
    /// The characters, by id.
    public let classNames: [String]

    public var count: Int { ids.count - window }
    public var sampleShape: Shape { [window] }
    public func label(at index: Int) -> Int { Int(ids[index + window]) }

    public func copyFeatures(at index: Int, into destination: UnsafeMutablePointer<Float>) {
        for offset in 0..<window { destination[offset] = Float(ids[index + offset]) }
    }
}
