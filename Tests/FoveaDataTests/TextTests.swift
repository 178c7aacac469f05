import Foundation
import FoveaCore
import FoveaData
import FoveaTestSupport
import Testing

/// Tokens, the vocabulary (training texts only), word-id sequences and the quoted CSV files of text data sets.
@Suite struct TextTests {
    @Test func tokensAreLowercasedWordsWithInnerApostrophes() {
        #expect(
            Vocabulary.tokenize("The ''Conan'' film, don't MISS it... 21st!") == [
                "the", "conan", "film", "don't", "miss", "it", "21st",
            ])
    }

    @Test func vocabularyKeepsFrequentWordsAndEncodesFromTheEnd() {
        let vocabulary = Vocabulary(texts: ["good good film", "bad film", "good plot"], minCount: 2)
        #expect(vocabulary.words == ["good", "film"] && vocabulary.count == 4)
        #expect(vocabulary.encode("a good film", length: 5) == [0, 0, 1, 2, 3])
        #expect(vocabulary.encode("film film film good", length: 2) == [3, 2])
        #expect(Vocabulary(texts: ["a b c d"], maxSize: 4, minCount: 1).words == ["a", "b"])
    }

    @Test func quotedFieldsFollowRFC4180() {
        #expect(TextDataset.quotedFields(#"positive,"a, b ""c"" d""#) == ["positive", #"a, b "c" d"#])
        #expect(TextDataset.quotedFields("negative,plain text") == ["negative", "plain text"])
        #expect(TextDataset.quotedFields(#"negative,"open"#) == nil)
    }

    @Test func loadsTextsWithTheTrainingPartsVocabulary() throws {
        let directory = try TemporaryDirectory(name: "text")
        defer { directory.remove() }
        let rows = (0..<40).map { $0 % 2 == 0 ? "positive,\"great, good film \($0)\"" : "negative,bad dull film" }
        let url = try directory.write("reviews.csv", Array((["label,text"] + rows).joined(separator: "\n").utf8))
        let parts = try TextDataset.load(url, length: 6, testFraction: 0.25, seed: 3)
        #expect(parts.train.count == 30 && parts.test.count == 10)
        #expect(parts.train.classNames == ["negative", "positive"] && parts.train.sampleShape == [6])
        #expect(parts.vocabulary.words.contains("great") && !parts.vocabulary.words.contains("7"))
        for index in 0..<parts.test.count {
            // "great good film N" (N, seen once, is unknown: id 1) and "bad dull film", padded at the front to 6 ids.
            let (features, label) = parts.test[index]
            #expect(features.allSatisfy { $0 >= 0 && $0 < Float(parts.vocabulary.count) && $0 == $0.rounded() })
            #expect(
                features.prefix(2) == [0, 0]
                    && (label == 1 ? features[5] == 1 && features[2] > 1 : features[2] == 0 && features[3] > 1))
        }
    }

    @Test func badTextFilesAreRefused() throws {
        let directory = try TemporaryDirectory(name: "text")
        defer { directory.remove() }
        let files = [
            "columns.csv": "label,review\npositive,good\nnegative,bad\n",
            "quote.csv": "label,text\npositive,\"good\nnegative,bad\n",
            "one.csv": "label,text\npositive,good\npositive,fine\n", "empty.csv": "",
        ]
        for (name, content) in files {
            let url = try directory.write(name, Array(content.utf8))
            #expect(throws: FoveaError.self, "\(name)") { try TextDataset.load(url, testFraction: 0.5) }
        }
    }
}
