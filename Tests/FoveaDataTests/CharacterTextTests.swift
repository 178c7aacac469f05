import Foundation
import FoveaCore
import FoveaData
import Testing

/// The characters of a text, their ids, and its windows split in reading order.
@Suite struct CharacterTextTests {
    @Test func charactersAreSortedScalarsAndUnknownOnesAreRefused() throws {
        let vocabulary = CharacterVocabulary(text: "banana é\n")
        #expect(vocabulary.characters.map { String($0) } == ["\n", " ", "a", "b", "n", "é"])
        #expect(try vocabulary.encode("ban é") == [3, 2, 4, 1, 5])
        #expect(throws: FoveaError.self) { try vocabulary.encode("bay") }
        #expect(try CharacterVocabulary(characters: vocabulary.characters).characters == vocabulary.characters)
        #expect(throws: FoveaError.self) { try CharacterVocabulary(characters: ["a", "b", "a"]) }
        #expect(throws: FoveaError.self) { try CharacterVocabulary(characters: ["a"]) }
    }

    @Test func windowsPredictTheNextCharacterAndTheLastTenthValidatesAndTests() throws {
        let directory = try TemporaryDirectory(name: "chars")
        defer { directory.remove() }
        var random = SeededGenerator(seed: 5)
        let text = String((0..<200).map { _ in "abcd".randomElement(using: &random)! })
        let file = try directory.write("text.txt", Array(text.utf8))
        let parts = try CharacterText.load(file, window: 4)
        let ids = try parts.vocabulary.encode(text)
        #expect(parts.train.count == 176 && parts.validation.count == 10 && parts.test.count == 10)
        // The first test window reads the four characters before the test part's first target, character 190.
        var features = [Float](repeating: 0, count: 4)
        parts.test.copyFeatures(at: 0, into: &features)
        #expect(features == ids[186..<190].map(Float.init) && parts.test.label(at: 0) == Int(ids[190]))
        #expect(parts.train.label(at: 175) == Int(ids[179]) && parts.train.classNames == ["a", "b", "c", "d"])
        #expect(throws: FoveaError.self) { try CharacterText.load(file, window: 180) }
        let latin1 = try directory.write("latin1.txt", [0x61, 0xE9, 0x62])
        #expect(throws: FoveaError.self) { try CharacterText.load(latin1, window: 1) }
    }
}
