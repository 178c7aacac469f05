import Foundation
import Fovea
import FoveaTestSupport
import Testing

/// Every input of the fuzzers' corpora (`Tests/Fuzz/Corpus`, seeds plus the regression cases crashes left) goes
/// through its reader, as `Scripts/fuzz.sh` runs them: each is read or refused with a FoveaError, never a crash.
@Suite struct FuzzCorpusTests {
    static let corpus = repositoryRoot.appendingPathComponent("Tests/Fuzz/Corpus")

    static func inputs(_ target: String) throws -> [(name: String, bytes: [UInt8])] {
        let folder = corpus.appendingPathComponent(target)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        return try names.map { ($0, [UInt8](try Data(contentsOf: folder.appendingPathComponent($0)))) }
    }

    /// Runs `read` on every input of `target`; returns how many were accepted.
    static func run(_ target: String, _ read: ([UInt8]) throws -> Void) throws -> Int {
        let all = try inputs(target)
        #expect(!all.isEmpty, "no corpus for \(target)")
        var accepted = 0
        for (name, bytes) in all {
            do {
                try read(bytes)
                accepted += 1
            } catch let error as FoveaError {
                #expect(!error.description.isEmpty, "\(target)/\(name)")
            }
        }
        return accepted
    }

    @Test func safetensors() throws {
        #expect(try Self.run("safetensors") { _ = try Safetensors.parse(Data($0), name: "input") } >= 3)
    }

    @Test func idx() throws {
        let accepted = try Self.run("idx") { bytes in
            do { _ = try IDXFile.parse(bytes, name: "input", rank: 3) } catch {
                _ = try IDXFile.parse(bytes, name: "input", rank: 1)
            }
        }
        #expect(accepted >= 5)
    }

    @Test func csv() throws {
        #expect(try Self.run("csv") { _ = try CSVDataset.parse($0, name: "input") } >= 3)
    }

    @Test func anymap() throws {
        #expect(try Self.run("anymap") { _ = try PortableAnymap.decode($0, name: "input") } >= 4)
    }

    @Test(arguments: ["png", "jpeg"])
    func images(target: String) throws {
        #expect(try Self.run(target) { _ = try ImageFile.decode($0, name: "input") } >= 3)
    }
}
