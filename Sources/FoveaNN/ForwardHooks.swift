import FoveaCore

/// Called after a `UnaryLayer`'s `forward` with the module, its input and its output; returning a tensor replaces the
/// output (as a PyTorch forward hook may), returning nil keeps it.
public typealias ForwardHook = (_ module: Module, _ input: Tensor, _ output: Tensor) throws -> Tensor?

/// Removes its forward hook when `remove()` is called (or, as PyTorch's handles do not, when it is released).
public final class HookHandle {
    private weak var module: Module?

    init(module: Module) { self.module = module }

    /// Unregisters the hook; calling it again does nothing.
    public func remove() {
        let id = ObjectIdentifier(self)
        module?.forwardHooks.removeAll { $0.id == id }
        module = nil
    }

    deinit { remove() }
}

extension UnaryLayer {
    /// Registers `hook` to run after every call of this layer (reading activations, or replacing them);
    /// it stays registered while the returned handle is kept and until `remove()` is called on it.
    public func registerForwardHook(_ hook: @escaping ForwardHook) -> HookHandle {
        let handle = HookHandle(module: self)
        forwardHooks.append((ObjectIdentifier(handle), hook))
        return handle
    }
}

extension Module {
    /// This module (named "") and every descendant with its dotted path (`features.3`), parents before children,
    /// as PyTorch's `named_modules()`.
    public var namedModules: [(String, Module)] {
        [("", self)]
            + namedChildren.flatMap { name, child in
                child.namedModules.map { ($0.0.isEmpty ? name : "\(name).\($0.0)", $0.1) }
            }
    }

    /// The descendant at `path` (`"3"`, `"layer4.1.conv2"`); throws naming the modules there are when none is.
    public func module(named path: String) throws -> Module {
        if let found = namedModules.first(where: { $0.0 == path && !path.isEmpty }) { return found.1 }
        let names = namedModules.map(\.0).filter { !$0.isEmpty }
        throw FoveaError.invalidArgument("no module named '\(path)': the model has \(names.joined(separator: ", "))")
    }

    /// The descendant at `path` when it is a `UnaryLayer` (whose calls forward hooks observe); throws naming it when it
    /// takes or returns several tensors.
    public func unaryLayer(named path: String) throws -> any UnaryLayer {
        let module = try module(named: path)
        guard let layer = module as? any UnaryLayer else {
            throw FoveaError.invalidArgument(
                "module '\(path)' (\(module.typeName)) is not a one-tensor layer (UnaryLayer): its activations cannot be read by a hook"
            )
        }
        return layer
    }
}

extension Module {
    /// Whether this module may run fused with the next op (skipping its own `callAsFunction`): it has no forward hooks
    /// and no summary is being collected.
    var canRunFused: Bool { forwardHooks.isEmpty && SummaryRecorder.current == nil }
}
