import Foundation
import FoveaTestSupport
import Testing

/// Comments that cite a design decision point at one that ARCHITECTURE.md states; the DocC articles' code is built.
@Suite struct DocumentationTests {
    func read(_ path: String) throws -> String {
        try String(contentsOf: repositoryRoot.appendingPathComponent(path), encoding: .utf8)
    }

    /// Every code block of the articles is a verbatim part of an Examples program (which CI builds), except the
    /// Package.swift lines, which are the README's.
    @Test func doccArticlesCodeIsInTheExamplesPackage() throws {
        let catalog = "Sources/Fovea/Fovea.docc"
        let articles = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent(catalog).path)
            .filter { $0.hasSuffix(".md") }
        let programs = try ["LeNetRandom", "DocSnippets"].map { try read("Examples/Sources/\($0)/main.swift") }
        let readme = try read("README.md")
        var count = 0
        for article in articles {
            let blocks = try read("\(catalog)/\(article)").components(separatedBy: "```swift\n").dropFirst()
                .map { $0.components(separatedBy: "```")[0] }
            for block in blocks {
                count += 1
                let home = block.hasPrefix("dependencies:") ? [readme] : programs
                #expect(
                    home.contains { $0.contains(block) }, "\(article): block not in the Examples package or README:\n\(block)")
            }
        }
        #expect(articles.count == 4 && count == 10)
    }

    @Test func citedDecisionsAreInTheArchitecturePage() throws {
        let architecture = try read("ARCHITECTURE.md")
        let decisions = try Regex(#"decision (\d+)"#)
        var citations: [(file: String, number: String)] = []
        for folder in ["Sources", "Tests", "Benchmarks", "Kernels"] {
            let root = repositoryRoot.appendingPathComponent(folder)
            for case let file as URL in FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)!
            where ["swift", "cl"].contains(file.pathExtension) && file.lastPathComponent != "DocumentationTests.swift" {
                let text = try String(contentsOf: file, encoding: .utf8)
                #expect(!text.contains("DESIGN"), "\(file.lastPathComponent) cites a design page that is not in the repository")
                for match in text.matches(of: decisions) {
                    citations.append((file.lastPathComponent, String(text[match.range].split(separator: " ")[1])))
                }
            }
        }
        #expect(!citations.isEmpty)
        for citation in citations {
            #expect(architecture.contains("\n\(citation.number). **"), "\(citation.file) cites decision \(citation.number)")
        }
    }
}
