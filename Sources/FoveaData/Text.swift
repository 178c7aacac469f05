import Foundation
import FoveaCore

/// The words a text classifier knows: the most frequent tokens of the training texts, each with an Int32 id.
/// Id 0 pads short texts and id 1 stands for every unknown word; the known words follow from id 2, most frequent
/// first (ties in alphabetical order).
public struct Vocabulary: Sendable {
    public static let padding: Int32 = 0, unknown: Int32 = 1
    /// The known words in id order, from id 2.
    public let words: [String]
    private let ids: [String: Int32]

    /// The tokens of `texts` seen at least `minCount` times, at most `maxSize - 2` of them.
    public init(texts: [String], maxSize: Int = 20_000, minCount: Int = 2) {
        var counts: [String: Int] = [:]
        for text in texts { for token in Self.tokenize(text) { counts[token, default: 0] += 1 } }
        words = Array(
            counts.filter { $0.value >= minCount }.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map(\.key)
                .prefix(max(0, maxSize - 2)))
        ids = Dictionary(uniqueKeysWithValues: words.enumerated().map { ($1, Int32($0 + 2)) })
    }

    /// The vocabulary whose known words are `words`, in id order from id 2 (as a saved `words` gives them back).
    /// Throws unless each is one token as `tokenize` makes them and none repeats.
    public init(words: [String]) throws {
        var ids: [String: Int32] = [:]
        for (offset, word) in words.enumerated() {
            guard Self.tokenize(word) == [word] else {
                throw FoveaError.invalidArgument(
                    "Vocabulary: word \(offset + 2) '\(word.prefix(40))' is not one lower-case token")
            }
            guard ids.updateValue(Int32(offset + 2), forKey: word) == nil else {
                throw FoveaError.invalidArgument("Vocabulary: word '\(word.prefix(40))' appears twice")
            }
        }
        self.words = words
        self.ids = ids
    }

    /// Ids in all, padding and unknown included (an embedding's row count).
    public var count: Int { words.count + 2 }

    /// Lowercased runs of letters, digits and inner apostrophes (`don't` is one token, `''quoted''` gives `quoted`).
    public static func tokenize(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "'") }
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "'")) }.filter { !$0.isEmpty }
    }

    /// The ids of the last `length` tokens of `text`, padded at the front, so a recurrent network's last step is the
    /// text's last word.
    public func encode(_ text: String, length: Int) -> [Int32] {
        let tokens = Self.tokenize(text).suffix(length).map { ids[$0] ?? Self.unknown }
        return [Int32](repeating: Self.padding, count: length - tokens.count) + tokens
    }
}

/// Labelled texts from a CSV file, as sequences of word ids for a text classifier.
public enum TextDataset {
    /// Reads `url` (a header row with the columns `label` and `text`, one text per line; fields may be quoted as in
    /// RFC 4180, with `""` for a quote), holds out a seeded `testFraction` of the rows and encodes both parts with a
    /// vocabulary of the training part's words alone. Samples are [length] word ids (as Float32 values, exact below
    /// 2^24); classes are the labels in sorted order. `vocabulary` encodes both parts instead (a trained model's, to
    /// test it on texts encoded as in its training).
    public static func load(
        _ url: URL, length: Int = 48, testFraction: Double = 0.2, seed: UInt64 = 0, maxVocabulary: Int = 20_000,
        vocabulary trained: Vocabulary? = nil
    ) throws -> (train: InMemoryDataset, test: InMemoryDataset, vocabulary: Vocabulary) {
        guard length > 0, length <= 1 << 16 else {
            throw FoveaError.invalidArgument("TextDataset: length \(length) must be in 1...65536")
        }
        let rows = try CSVDataset.lines(ByteStream(file: url))
        func bad(_ line: Int, _ reason: String) -> FoveaError { .badFile(path: url.path, reason: "line \(line): \(reason)") }
        guard let header = rows.first.flatMap({ row in quotedFields(row.text).map { (row.line, $0) } }) else {
            throw FoveaError.badFile(path: url.path, reason: "is empty (no header row)")
        }
        guard let labelIndex = header.1.firstIndex(of: "label"), let textIndex = header.1.firstIndex(of: "text") else {
            throw bad(header.0, "the header \(header.1) does not name the columns 'label' and 'text'")
        }
        let samples = try rows.dropFirst().map { row -> (label: String, text: String) in
            guard let fields = quotedFields(row.text), fields.count == header.1.count else {
                throw bad(row.line, "expected \(header.1.count) fields as in the header, with quotes closed")
            }
            guard !fields[labelIndex].isEmpty else { throw bad(row.line, "the label is empty") }
            return (fields[labelIndex], fields[textIndex])
        }
        let classNames = Set(samples.map(\.label)).sorted()
        guard classNames.count >= 2 else {
            throw FoveaError.badFile(path: url.path, reason: "has \(classNames.count) label; classification needs two or more")
        }
        let parts = try DatasetSubset.splitIndices(count: samples.count, validationFraction: testFraction, seed: seed)
        guard !parts.train.isEmpty, !parts.validation.isEmpty else {
            throw FoveaError.invalidArgument(
                "TextDataset: \(samples.count) texts cannot be split into training and test parts by \(testFraction)")
        }
        let vocabulary = trained ?? Vocabulary(texts: parts.train.map { samples[$0].text }, maxSize: maxVocabulary)
        let classIndex = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, Int32($0)) })
        func encode(_ indices: [Int]) throws -> InMemoryDataset {
            try InMemoryDataset(
                features: indices.flatMap { vocabulary.encode(samples[$0].text, length: length).map(Float.init) },
                labels: indices.map { classIndex[samples[$0].label]! }, sampleShape: [length], classNames: classNames)
        }
        return (try encode(parts.train), try encode(parts.validation), vocabulary)
    }

    /// The comma-separated fields of one CSV line, unquoted; nil when a quote is not closed.
    public static func quotedFields(_ line: String) -> [String]? {
        var fields: [String] = [], field = "", quoted = false, characters = line.makeIterator()
        var pending = characters.next()
        while let character = pending {
            pending = characters.next()
            if quoted {
                if character != "\"" {
                    field.append(character)
                } else if pending == "\"" {
                    field.append("\""); pending = characters.next()
                } else {
                    quoted = false
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                fields.append(field.trimmingCharacters(in: .whitespaces)); field = ""
            } else {
                field.append(character)
            }
        }
        return quoted ? nil : fields + [field.trimmingCharacters(in: .whitespaces)]
    }
}
