import Foundation
import Fovea

/// How raw input becomes a sequence model's input, saved in the checkpoint's metadata next to the model so
/// `fovea predict` and `fovea generate` need only the file: a text model's vocabulary, a series model's column and
/// standardization, or a character model's characters.
///
/// It lives in the safetensors metadata rather than a sidecar file: the checkpoint is already written atomically,
/// so the weights and the encoding they were trained with can never be separated or half-written, and copying one
/// file copies both. A 20,000-word vocabulary is about 150 KB of header, far below the format's 100 MB limit.
enum SequenceEncoding {
    /// The known words of a text model, from id 2 (`vocabulary_words`, separated by spaces: a token holds none).
    case words(Vocabulary)
    /// A series model's CSV column and the training part's statistics its values were standardized with, how
    /// many steps after a window's last value the forecast is, and whether its windows are relative to their last
    /// value (`series_inputs` `relative`; `absolute`, or no key in checkpoints written before, reads levels).
    case series(column: String, mean: Float, standardDeviation: Float, horizon: Int, relative: Bool)
    /// The characters of a char-lstm model, in id order (`characters`, one string).
    case characters(CharacterVocabulary)

    var metadata: [String: String] {
        switch self {
        case .words(let vocabulary): return ["vocabulary_words": vocabulary.words.joined(separator: " ")]
        case let .series(column, mean, standardDeviation, horizon, relative):
            return [
                "series_column": column, "series_mean": String(mean), "series_std": String(standardDeviation),
                "horizon": String(horizon),
                "series_inputs": relative ? "relative" : "absolute",
            ]
        case .characters(let vocabulary): return ["characters": String(String.UnicodeScalarView(vocabulary.characters))]
        }
    }

    /// Keys written by `metadata`, which `config.json` leaves out (a vocabulary is too long to read there).
    static let checkpointOnlyKeys: Set = ["vocabulary_words"]

    /// The encoding of a text or series data set; nil for others.
    init?(_ source: DataSource, column: String?) {
        if let characters = source.characters {
            self = .characters(characters)
        } else if let vocabulary = source.vocabulary {
            self = .words(vocabulary)
        } else if let windows = source.train as? SeriesWindows, let column {
            self = .series(
                column: column, mean: windows.mean, standardDeviation: windows.standardDeviation, horizon: windows.horizon,
                relative: windows.relative)
        } else {
            return nil
        }
    }

    /// Reads the encoding back from a checkpoint's `metadata`, checking it against the model it describes (a
    /// `vocabularySize`-word text model, a series model, or a char-lstm of `classes` characters); nil when the
    /// metadata holds none.
    static func read(metadata: [String: String], file: String, model: String, vocabularySize: Int, classes: Int) throws
        -> SequenceEncoding?
    {
        func bad(_ reason: String) -> FoveaError { .badFile(path: file, reason: reason) }
        if (metadata["characters"] != nil) != (model == "char-lstm") {
            throw bad(
                model == "char-lstm"
                    ? "metadata has no 'characters' (the char-lstm model's alphabet)"
                    : "metadata characters belong to a char-lstm model, not \(model)")
        }
        if let text = metadata["characters"] {
            let characters = Array(text.unicodeScalars)
            guard characters.count == classes else {
                throw bad("metadata characters holds \(characters.count) characters, but the model predicts \(classes)")
            }
            do { return .characters(try CharacterVocabulary(characters: characters)) } catch let error as FoveaError {
                throw bad("metadata characters: \(error.description)")
            }
        }
        if metadata["vocabulary_words"] != nil && !Models.textClassifiers.contains(model) {
            throw bad("metadata vocabulary_words belongs to an lstm-text or gru-text model, not \(model)")
        }
        if metadata["series_column"] != nil && !["lstm", "gru", "rnn"].contains(model) {
            throw bad("metadata series_column belongs to a series model, not \(model)")
        }
        if let text = metadata["vocabulary_words"] {
            let words = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            guard words.count == vocabularySize - 2 else {
                throw bad(
                    "metadata vocabulary_words holds \(words.count) words, but the model embeds \(vocabularySize) ids (2 + its words)"
                )
            }
            do { return .words(try Vocabulary(words: words)) } catch let error as FoveaError {
                throw bad("metadata vocabulary_words: \(error.description)")
            }
        }
        guard let column = metadata["series_column"] else { return nil }
        guard !column.isEmpty, let mean = metadata["series_mean"].flatMap(Float.init), mean.isFinite,
            let deviation = metadata["series_std"].flatMap(Float.init), deviation.isFinite, deviation > 0,
            let horizon = metadata["horizon"].flatMap(Int.init), horizon > 0, horizon <= ModelSpec.largestLayer
        else {
            throw bad(
                "metadata series_column, series_mean, series_std and horizon must be a column name, a finite mean, a finite positive "
                    + "deviation and a positive number of steps")
        }
        let inputs = metadata["series_inputs"] ?? "absolute"
        guard TrainingSettings.seriesInputs.contains(inputs) else {
            throw bad("metadata series_inputs '\(inputs)' is none of \(TrainingSettings.seriesInputs.joined(separator: ", "))")
        }
        return .series(column: column, mean: mean, standardDeviation: deviation, horizon: horizon, relative: inputs == "relative")
    }
}
