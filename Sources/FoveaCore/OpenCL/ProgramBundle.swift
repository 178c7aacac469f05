/// Several `Kernels/*.cl` programs, each with its own `-D` options, compiled as one OpenCL program. A driver's front
/// end parses its OpenCL C header once per program (PoCL: about 75 ms of CPU each), so the programs that every training
/// step builds anyway cost one parse together instead of one each. Each member's source sits between `#define` and
/// `#undef` lines of its options; an included file is spliced once. Members must not share kernel or function names.
struct ProgramBundle {
    /// A member program and the build options it is launched with (`-DNAME` or `-DNAME=VALUE` only).
    struct Member: Hashable {
        let program: String
        let options: String
    }

    let members: Set<Member>
    /// Members in the order their sources are joined.
    private let ordered: [Member]

    init(_ members: [Member]) {
        for member in members {
            precondition(
                Self.defines(member.options) != nil,
                "ProgramBundle: \(member.program)'s options \(member.options) are not -D defines")
        }
        self.ordered = members
        self.members = Set(members)
    }

    func contains(program: String, options: String) -> Bool { members.contains(Member(program: program, options: options)) }

    /// The joined source of every member.
    func source() throws -> String {
        var spliced = Set<String>()
        return try ordered.map { member in
            guard let source = EmbeddedKernels.sources[member.program] else {
                throw FoveaError.invalidArgument(
                    "no kernel program named \(member.program) (expected Kernels/\(member.program).cl)")
            }
            let defines = Self.defines(member.options) ?? []
            let body = try ProgramCache.splicingIncludes(into: source, of: member.program, skipping: &spliced)
            return (defines.map { "#define \($0.name) \($0.value)" } + [body] + defines.map { "#undef \($0.name)" })
                .joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// The names and values of `-DNAME[=VALUE]` options; nil when an option is anything else.
    static func defines(_ options: String) -> [(name: String, value: String)]? {
        var result: [(name: String, value: String)] = []
        for option in options.split(separator: " ") {
            guard option.hasPrefix("-D"), option.count > 2 else { return nil }
            let parts = option.dropFirst(2).split(separator: "=", maxSplits: 1)
            result.append((String(parts[0]), parts.count == 2 ? String(parts[1]) : "1"))
        }
        return result
    }
}
