import ArgumentParser
import Foundation
import Fovea

/// `fovea generate`: text from a char-lstm checkpoint, sampled one character at a time after a prompt.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Generate text with a char-lstm checkpoint.")

    @Option(help: "A char-lstm checkpoint written by `fovea train --model char-lstm`.") var checkpoint: String
    @Option(help: "The text to continue; every character must be one the model was trained on.") var prompt: String
    @Option(help: "How many characters to generate.") var length = 300
    @Option(help: "Softmax temperature: below 1 picks likelier characters, above 1 more varied ones.") var temperature: Float =
        0.8
    @Option(help: "Random seed (default: a random one); one seed gives one text.") var seed: UInt64?
    @Option(help: "Device: auto, cpu, gpu, opencl or opencl:N.") var device: String?
    @Option(
        help:
            "What the model reads before each character: carried (the text so far, through the LSTM state carried from the step before: one step a character) or window (the last --window characters from zero states, as in training: --window steps a character)."
    )
    var context: TextGenerator.Context = .carried

    func run() throws {
        let options = try CheckpointOptions.parse(["--checkpoint", checkpoint] + (device.map { ["--device", $0] } ?? []))
        let generator = try TextGenerator(checkpoint: options)
        print(
            prompt
                + (try generator.continuation(
                    of: prompt, length: length, temperature: temperature, seed: seed ?? .random(in: 0...(.max)),
                    context: context)))
    }
}

extension TextGenerator.Context: ExpressibleByArgument {}
