import Foundation
import Fovea

/// A char-lstm checkpoint continuing a text: each next character is drawn from the softmax of the model's logits
/// divided by a temperature.
///
/// By default the LSTM's state is carried from step to step: the prompt's last `window` characters are read once,
/// then each drawn character alone, from the states the step before left, so a character costs one LSTM step. That
/// is the model reading the whole text so far; the model was trained on windows of `window` characters read from
/// zero states, so past the window it reads longer contexts than it was trained on. `.window` reads the last
/// `window` characters from zero states for every character instead, exactly as in training, at `window` steps a
/// character. Both give the same text for one seed while the prompt and the text drawn fit in one window.
struct TextGenerator {
    /// What the model reads before each character.
    enum Context: String, CaseIterable {
        /// The whole text so far, through the LSTM state carried from the step before.
        case carried
        /// The last `window` characters, from zero states.
        case window
    }

    /// A char-lstm model, and its recurrent layer (an LSTM, whose state carries from character to character).
    let model: TextClassifier
    private let lstm: LSTM
    let characters: CharacterVocabulary
    /// The characters the model read in training; a longer prompt is cut to its last `window`.
    let window: Int
    let device: Device

    /// The most characters one call generates.
    static let longest = 1 << 20

    init(checkpoint: CheckpointOptions) throws {
        let (model, spec) = try LoadedModel.load(checkpoint)
        guard case .characters(let characters) = spec.encoding, spec.inputShape.rank == 1,
            let classifier = model as? TextClassifier, classifier.lstm != nil
        else {
            throw FoveaError.invalidArgument(
                "\(checkpoint.checkpoint) holds a \(spec.name) model; fovea generate needs a char-lstm one")
        }
        self.init(model: classifier, characters: characters, window: spec.inputShape[0], device: try checkpoint.resolvedDevice())
    }

    init(model: TextClassifier, characters: CharacterVocabulary, window: Int, device: Device) {
        guard let lstm = model.lstm else { preconditionFailure("TextGenerator: a char-lstm model's recurrent layer is an LSTM") }
        self.model = model; self.lstm = lstm; self.characters = characters; self.window = window; self.device = device
    }

    /// `length` characters following `prompt`, drawn with `seed` (one seed gives one text), reading `context` before each.
    func continuation(of prompt: String, length: Int, temperature: Float, seed: UInt64, context: Context = .carried) throws
        -> String
    {
        guard temperature.isFinite, temperature > 0 else {
            throw FoveaError.invalidArgument("--temperature \(temperature): must be a finite number above 0")
        }
        guard length > 0, length <= Self.longest else {
            throw FoveaError.invalidArgument("--length \(length): must be from 1 to \(Self.longest)")
        }
        guard !prompt.isEmpty else { throw FoveaError.invalidArgument("--prompt: needs at least one character") }
        var ids: [Int32]
        do { ids = try characters.encode(prompt) } catch let error as FoveaError {
            throw FoveaError.invalidArgument("--prompt: \(error.description)")
        }
        var generator = SeededGenerator(seed: seed)
        var text = String.UnicodeScalarView()
        var (logits, state) = try read(Array(ids.suffix(window)), after: nil)
        for drawn in 1...length {
            let next = try Self.sample(logits, temperature: temperature, generator: &generator)
            ids.append(Int32(next))
            text.append(characters.characters[next])
            guard drawn < length else { break }
            (logits, state) =
                try context == .carried ? read([Int32(next)], after: state) : read(Array(ids.suffix(window)), after: nil)
        }
        return String(text)
    }

    /// The logits of the character after `ids`, read from `state` (zero states when nil), and the states after them.
    private func read(_ ids: [Int32], after state: (h: Tensor, c: Tensor)?) throws -> (
        logits: [Float], state: (h: Tensor, c: Tensor)
    ) {
        try withNoGrad {
            let input = try Tensor(indices: ids.map(Int.init), shape: [1, ids.count], device: device)
            let (output, next) = try lstm(model.embedding(input), initialState: state)
            let last = try output.slice(axis: 1, start: ids.count - 1, count: 1).squeezed(axis: 1)
            return (try model.head(last).toArray(), next)
        }
    }

    /// An index drawn from softmax(`logits` / `temperature`), computed in Double from the largest logit so no term
    /// overflows.
    static func sample(_ logits: [Float], temperature: Float, generator: inout SeededGenerator) throws -> Int {
        guard let largest = logits.max(), logits.allSatisfy(\.isFinite) else {
            throw FoveaError.invalidArgument("the model's logits are not finite")
        }
        let weights = logits.map { exp((Double($0) - Double(largest)) / Double(temperature)) }
        var remaining = Double(generator.nextUniform()) * weights.reduce(0, +)
        for (index, weight) in weights.enumerated() {
            remaining -= weight
            if remaining < 0 { return index }
        }
        return weights.lastIndex { $0 > 0 }!
    }
}
