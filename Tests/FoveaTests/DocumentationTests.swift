import Foundation
import FoveaTestSupport
import Testing

/// Comments that cite a design decision point at one that ARCHITECTURE.md states.
@Suite struct DocumentationTests {
    @Test func citedDecisionsAreInTheArchitecturePage() throws {
        let architecture = try String(contentsOf: repositoryRoot.appendingPathComponent("ARCHITECTURE.md"), encoding: .utf8)
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
