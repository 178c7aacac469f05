import Foundation
import Fovea
import FoveaTestSupport
import Testing

/// The README's snippets, kept compiling and correct.
@Suite struct ReadmeTests {
    @Test(arguments: testDevices)
    func convolutionSnippetFillsTheWeightGradient(device: Device) throws {
        let x = try Tensor.normal([8, 3, 32, 32], generator: Generator(seed: 1), device: device)
        let w = try Tensor.normal([16, 3, 3, 3], generator: Generator(seed: 2), device: device)
        w.requiresGrad = true
        let loss = try x.conv2d(weight: w, padding: 1).relu().maxPool2d(kernel: 2).mean()
        try loss.backward()
        #expect(w.grad?.shape == [16, 3, 3, 3])
        #expect(try w.grad!.abs().sum().item() > 0)
    }

    @Test(arguments: testDevices)
    func int32AndSubscriptSnippetRuns(device: Device) throws {
        let ids = try Tensor(indices: [0, 2, 1], device: device)
        let logits = try Tensor.normal([3, 5], generator: Generator(seed: 3), device: device)
        logits.requiresGrad = true
        let row = try logits[0]
        let picked = try logits[ids]
        let loss = try logits.crossEntropy(targets: ids)
        let pred = try logits.argmax(axis: 1)
        try (loss + row.sum() + picked.sum()).backward()
        #expect(try ids.dtype == .int32 && pred.dtype == .int32 && pred.eq(ids).dtype == .int32)
        #expect(row.shape == [5] && picked.shape == [3, 5])
        #expect(logits.grad?.shape == [3, 5])
    }

    /// "Sequences: recurrent layers and embeddings", as written there.
    @Test func recurrentSnippetRuns() throws {
        let lstm = LSTM(8, 16, numLayers: 2, batchFirst: true, bidirectional: true)
        let x = try Tensor.normal([4, 10, 8])  // [batch, seq, features]
        let (output, (h, c)) = try lstm(x, initialState: nil)  // [4, 10, 32], h and c [4, 4, 16]
        let gru = GRUCell(8, 16)
        let step = try gru(try x[0..., 0], hidden: nil)  // one time step: [4, 16]
        let embedding = Embedding(1000, 8, paddingIndex: 0)
        let vectors = try embedding(try Tensor(indices: [5, 42, 0, 0], shape: [1, 4]))  // [1, 4, 8]
        #expect(output.shape == [4, 10, 32] && h.shape == [4, 4, 16] && c.shape == [4, 4, 16])
        #expect(step.shape == [4, 16] && vectors.shape == [1, 4, 8])
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(
            readme.contains(
                "let (output, (h, c)) = try lstm(x, initialState: nil)              // [4, 10, 32], h and c [4, 4, 16]\n"))
    }

    /// "Functional models", as written there.
    @Test func functionalModelSnippetRuns() throws {
        let x = Input(shape: [16]), side = Input(shape: [4])
        let encoder = Dense(outputs: 16)  // takes its 16 inputs at its first call
        let h = try add([ReLU()(encoder(x)), x])  // a skip connection: [N, 16]
        let joined = try concatenate([encoder(h), side])  // encoder again, same weights: [N, 20]
        let model = try GraphModel(
            inputs: [x, side], outputs: [Dense(outputs: 1)(joined, name: "value"), Dense(outputs: 3)(joined)])
        let outputs = try model([Tensor.normal([8, 16]), Tensor.normal([8, 4])])  // [8, 1] and [8, 3]
        #expect(outputs.map(\.shape) == [[8, 1], [8, 3]])
        #expect(model.namedChildren.map(\.0) == ["layer0", "layer1", "value", "layer3"])
        #expect(model.summary().contains("shared  add\nconcatenate (Concatenate)  [N, 20]"), "\(model.summary())")
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(
            readme.contains(
                "let joined = try concatenate([encoder(h), side])                   // encoder again, same weights: [N, 20]\n"))
    }

    /// "Using Fovea from your own package": the Package.swift lines are those of `Examples/Package.swift` (which CI
    /// builds from a folder not called Fovea) and every code block is a verbatim part of the example's main.swift,
    /// so `swift build --package-path Examples` compiles them all.
    @Test func ownPackageSnippetsAreTheExamplesPackage() throws {
        func read(_ path: String) throws -> String {
            try String(contentsOf: repositoryRoot.appendingPathComponent(path), encoding: .utf8)
        }
        let section = try read("README.md").components(separatedBy: "## Using Fovea from your own package")[1]
            .components(separatedBy: "\n## ")[0]
        let blocks = section.components(separatedBy: "```swift\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        let manifest = try read("Examples/Package.swift"), main = try read("Examples/Sources/LeNetRandom/main.swift")
        #expect(blocks.count == 7)
        for block in blocks {
            guard block.hasPrefix("// Package.swift") else {
                #expect(main.contains(block), "README block missing from Examples/Sources/LeNetRandom/main.swift:\n\(block)")
                continue
            }
            let calls = block.matches(of: try Regex(#"\.(package|product)\([^)]*\)"#)).map { String(block[$0.range]) }
            #expect(calls == [".package(name: \"Fovea\", path: \"../Fovea\")", ".product(name: \"Fovea\", package: \"Fovea\")"])
            for call in calls {
                let expected = call.replacingOccurrences(of: "\"../Fovea\"", with: "\"..\"")
                #expect(manifest.contains(expected), "Examples/Package.swift does not contain \(expected)")
            }
        }
    }
}
