import Testing

@testable import FoveaCore

/// `UnaryOp` and `BinaryOp` raw values are the op codes of `Kernels/elementwise.cl`: this fails when the two drift.
@Suite struct OpTableTests {
    static let source = KernelLibrary.source(of: "elementwise") ?? ""

    /// `leakyRelu` -> `U_LEAKY_RELU`.
    static func code(_ name: String, prefix: String) -> String {
        prefix
            + name.reduce(into: "") { result, character in
                if character.isUppercase { result += "_" }
                result += character.uppercased()
            }
    }

    /// The names of the kernel enum whose first code starts with `prefix`, in order (their values are their positions).
    static func kernelCodes(prefix: String) -> [String] {
        for declaration in source.components(separatedBy: "enum {").dropFirst() {
            let body = declaration.prefix { $0 != "}" }
            let names = body.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            if names.first?.hasPrefix(prefix) == true { return names }
        }
        return []
    }

    /// The codes listed in `#define NAME(CASE) CASE(...) ...` (one macro, continued lines included).
    static func macroCodes(_ macro: String) -> Set<String> {
        guard let start = source.range(of: "#define \(macro)(CASE)") else { return [] }
        var text = "", rest = source[start.upperBound...]
        while let end = rest.firstIndex(of: "\n") {
            let line = rest[..<end]
            text += line
            rest = rest[rest.index(after: end)...]
            if !line.hasSuffix("\\") { break }
        }
        return Set(text.components(separatedBy: "CASE(").dropFirst().map { String($0.prefix { $0 != ")" }) })
    }

    @Test func unaryCodesMatchTheKernels() {
        #expect(Self.kernelCodes(prefix: "U_") == UnaryOp.allCases.map { Self.code("\($0)", prefix: "U_") })
        // Every op has a forward case, and every differentiable one a gradient case.
        let forward = Self.macroCodes("EACH_UNARY").union(Self.macroCodes("EACH_COMPARISON"))
        #expect(forward == Set(UnaryOp.allCases.map { Self.code("\($0)", prefix: "U_") }))
    }

    @Test func binaryCodesMatchTheKernels() {
        #expect(Self.kernelCodes(prefix: "B_") == BinaryOp.allCases.map { Self.code("\($0)", prefix: "B_") })
        #expect(Self.macroCodes("EACH_BINARY") == Set(BinaryOp.allCases.map { Self.code("\($0)", prefix: "B_") }))
    }

    /// The ops the host launches from elementwise.cl's common build are those that build has kernels for.
    @Test func commonBuildHoldsTheOpsTheHostTakesFromIt() {
        #expect(
            Self.macroCodes("COMMON_UNARY")
                == Set(UnaryOp.allCases.filter(\.inCommonBuild).map { Self.code("\($0)", prefix: "U_") }))
        #expect(
            Self.macroCodes("COMMON_BINARY")
                == Set(BinaryOp.allCases.filter(\.inCommonBuild).map { Self.code("\($0)", prefix: "B_") }))
    }

    @Test func codesAreSpelledAsTheTestExpects() {
        #expect(Self.code("leakyRelu", prefix: "U_") == "U_LEAKY_RELU")
        #expect(Self.kernelCodes(prefix: "U_").first == "U_NEG")
    }
}
