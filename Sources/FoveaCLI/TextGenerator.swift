import Foundation
import Fovea

/// A char-lstm checkpoint continuing a text: each next character is drawn from the softmax of the model's logits
/// divided by a temperature, given the last window of characters (as in training).
struct TextGenerator {
    let model: any UnaryLayer
    let characters: CharacterVocabulary
    /// The characters the model read in training; longer contexts are cut to their last `window`.
    let window: Int
    let device: Device

    /// The most characters one call generates.
    static let longest = 1 << 20

    init(checkpoint: CheckpointOptions) throws {
        let (model, spec) = try LoadedModel.load(checkpoint)
        guard case .characters(let characters) = spec.encoding, spec.inputShape.rank == 1 else {
            throw FoveaError.invalidArgument("\(checkpoint.checkpoint) holds a \(spec.name) model; fovea generate needs a char-lstm one")
        }
        self.model = model; self.characters = characters; window = spec.inputShape[0]; device = try checkpoint.resolvedDevice()
    }

    /// `length` characters following `prompt`, drawn with `seed` (one seed gives one text).
    func continuation(of prompt: String, length: Int, temperature: Float, seed: UInt64) throws -> String {
        guard temperature.isFinite, temperature > 0 else { throw FoveaError.invalidArgument("--temperature \(temperature): must be a finite number above 0") }
        guard length > 0, length <= Self.longest else { throw FoveaError.invalidArgument("--length \(length): must be from 1 to \(Self.longest)") }
        guard !prompt.isEmpty else { throw FoveaError.invalidArgument("--prompt: needs at least one character") }
        var ids: [Int32]
        do { ids = try characters.encode(prompt) } catch let error as FoveaError { throw FoveaError.invalidArgument("--prompt: \(error.description)") }
        var generator = SeededGenerator(seed: seed)
        var text = String.UnicodeScalarView()
        for _ in 0..<length {
            let context = ids.suffix(window).map(Float.init)
            let logits = try withNoGrad { try model(try Tensor(context, shape: [1, context.count], device: device)) }.toArray()
            let next = try Self.sample(logits, temperature: temperature, generator: &generator)
            ids.append(Int32(next))
            text.append(characters.characters[next])
        }
        return String(text)
    }

    /// An index drawn from softmax(`logits` / `temperature`), computed in Double from the largest logit so no term
    /// overflows.
    static func sample(_ logits: [Float], temperature: Float, generator: inout SeededGenerator) throws -> Int {
        guard let largest = logits.max(), logits.allSatisfy(\.isFinite) else { throw FoveaError.invalidArgument("the model's logits are not finite") }
        let weights = logits.map { exp((Double($0) - Double(largest)) / Double(temperature)) }
        var remaining = Double(generator.nextUniform()) * weights.reduce(0, +)
        for (index, weight) in weights.enumerated() {
            remaining -= weight
            if remaining < 0 { return index }
        }
        return weights.lastIndex { $0 > 0 }!
    }
}
