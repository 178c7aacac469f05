import Foundation

/// Whether ops record their backward. Per thread, as in PyTorch.
public enum GradMode {
    private static let key = "fovea.gradEnabled"

    /// True unless inside `withNoGrad`.
    public static var isEnabled: Bool {
        (Thread.current.threadDictionary[key] as? Bool) ?? true
    }

    static func set(_ enabled: Bool) { Thread.current.threadDictionary[key] = enabled }
}

/// Runs `body` without recording gradients (evaluation, optimizer updates).
public func withNoGrad<T>(_ body: () throws -> T) rethrows -> T {
    let previous = GradMode.isEnabled
    GradMode.set(false)
    defer { GradMode.set(previous) }
    return try body()
}
